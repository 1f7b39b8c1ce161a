using Spectre.Console;

namespace ExchangeSpool.Bench;

/// <summary>
/// The tables at the end: each figure as a ratio to the limit measured in the same run (absolute
/// figures beside it for context only; they swing between runs and machines), with the issue's target.
/// </summary>
public static class ResultsTable
{
    public const double ThroughputTarget = 0.8;
    public const double LatencyTargetMilliseconds = 5;
    public const double StalledRatioTarget = 2;

    /// <summary>Throughput as ratios to the transport and disk limits of the same direction; null when no such section ran.</summary>
    public static Table? Throughputs(BenchReport report)
    {
        if (report.Transport is null && report.Disk is null && report.Spool.Count == 0)
            return null;
        var s = report.Settings;
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"throughput: {s.Sinks} sinks × {s.Partitions} partitions × {Size(s.Bytes)}, {Size(s.PageSize)} pages, {s.ProcessorCount} cores")
            .AddColumn("measurement").AddColumn(new TableColumn("÷ transport").RightAligned()).AddColumn(new TableColumn("÷ disk").RightAligned())
            .AddColumn(new TableColumn("GB/s").RightAligned()).AddColumn("target (≥ 0.80 of the lower limit, encryption on)");
        var (transport, disk) = (report.Transport, report.Disk);
        if (transport is not null)
        {
            Row(table, "transport limit, upload (HTTP/2 discard)", transport.Write, transport.Write, disk?.Write, false);
            Row(table, "transport limit, download (HTTP/2 generate)", transport.Read, transport.Read, disk?.Read, false);
        }
        if (disk is not null)
        {
            Row(table, "disk limit, write (plain files)", disk.Write, transport?.Write, disk.Write, false);
            Row(table, "disk limit, read (plain files)", disk.Read, transport?.Read, disk.Read, false);
        }
        foreach (var spool in report.Spool)
        {
            var label = spool.Encryption ? "encryption on" : "encryption off";
            Row(table, $"spool write, {label}", spool.Throughput.Write, transport?.Write, disk?.Write, spool.Encryption);
            Row(table, $"spool plan + read, {label}", spool.Throughput.Read, transport?.Read, disk?.Read, spool.Encryption);
        }
        return table;
    }

    /// <summary>ExchangeSpool on S3 as a ratio to AWSSDK.S3 moving the same bytes at the same part size and concurrency.</summary>
    public static Table? S3(BenchReport report)
    {
        if (report.S3.Result is not { } s3)
            return null;
        return Comparison($"S3 ({Markup.Escape(s3.Server)}): {s3.Sinks} sinks × {s3.Partitions} partitions, {Size(s3.PartSize)} parts",
            "spool", "direct", s3.Spool, s3.Direct, 0.9);
    }

    /// <summary>The Trino plugin as a ratio to the .NET client on the same workload and server.</summary>
    public static Table? Plugin(BenchReport report)
    {
        if (report.Plugin.Result is not { } plugin)
            return null;
        return Comparison($"Trino plugin vs .NET client: {plugin.Sinks} sinks × {plugin.Partitions} partitions × {Size(report.Settings.Bytes)}",
            "plugin", ".NET client", plugin.Plugin, plugin.DotNet, 0.7);
    }

    /// <summary>Two ways of moving the same bytes, write and read, the first as a ratio to the second.</summary>
    private static Table Comparison(string title, string subject, string baseline, Directions measured, Directions reference, double target)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(title)
            .AddColumn("measurement").AddColumn(new TableColumn($"{subject} ÷ {baseline}").RightAligned())
            .AddColumn(new TableColumn($"{subject} GB/s").RightAligned()).AddColumn(new TableColumn($"{baseline} GB/s").RightAligned()).AddColumn("target");
        foreach (var (label, figure, limit) in new[] { ("write (sinks, committed)", measured.Write, reference.Write), ("plan + read", measured.Read, reference.Read) })
        {
            var ratio = figure.RatioTo(limit);
            table.AddRow(label, $"{ratio:F2}", $"{figure.GigabytesPerSecond:F3}", $"{limit.GigabytesPerSecond:F3}", Verdict(ratio >= target, $"≥ {target:F2}"));
        }
        return table;
    }

    /// <summary>Latency, memory, and the sections not measured.</summary>
    public static Table Others(BenchReport report)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("latency and memory")
            .AddColumn("measurement").AddColumn(new TableColumn("ratio").RightAligned()).AddColumn(new TableColumn("figure").RightAligned())
            .AddColumn("target");
        if (report.Latency is { } latency)
        {
            table.AddRow($"small exchange p50 ({latency.Repetitions} repetitions)", "", $"{latency.P50Milliseconds:F2} ms",
                Verdict(latency.P50Milliseconds <= LatencyTargetMilliseconds, $"≤ {LatencyTargetMilliseconds} ms"));
            table.AddRow("small exchange p99", "", $"{latency.P99Milliseconds:F2} ms", "");
        }
        foreach (var rss in report.Rss)
        {
            table.AddRow($"peak server RSS, {rss.Sinks} sinks × {rss.Partitions} partitions, {Size(rss.Bytes)}, budget {Size(rss.MemoryLimit)}" +
                (rss.ConnectionPerStream ? ", a connection per stream" : ""),
                $"{rss.Ratio:F2}", $"{Size(rss.PeakRssBytes)} of {Size(rss.Allowed)} (idle {Size(rss.IdleRssBytes)})",
                rss.Failure is null ? Verdict(rss.Ratio <= 1, "≤ budget + 150 MiB") : $"[red]failed: {Markup.Escape(rss.Failure)}[/]");
        }
        if (report.Stalled is { } stalled)
        {
            var label = $"write beside {stalled.Readers} stalled readers ÷ write alone, {Size(stalled.WriteBytes)}, budget {Size(stalled.MemoryLimit)}";
            var alone = $"{stalled.AloneSeconds * 1000:F0} ms alone";
            if (stalled.Ratio is { } ratio)
                table.AddRow(label, $"{ratio:F2}", $"{stalled.BesideSeconds * 1000:F0} ms vs {alone}", Verdict(ratio <= StalledRatioTarget, $"≤ {StalledRatioTarget}"));
            else
                table.AddRow(label, "", alone, $"[red]failed: {Markup.Escape(stalled.Failure ?? "")}[/]");
        }
        if (report.S3.NotMeasured is { } why)
            table.AddRow("S3: spool ÷ AWSSDK.S3 multipart", "", "", $"[grey]not measured: {Markup.Escape(why)}[/]");
        if (report.Plugin.NotMeasured is { } pluginWhy)
            table.AddRow("Trino plugin ÷ .NET client", "", "", $"[grey]not measured: {Markup.Escape(pluginWhy)}[/]");
        return table;
    }

    /// <summary>The target compares with the transport limit, or with the disk limit where that is lower (a limit --only left out is not compared).</summary>
    private static void Row(Table table, string label, Throughput figure, Throughput? transport, Throughput? disk, bool hasTarget)
    {
        var target = "";
        var limits = new[] { transport, disk }.OfType<Throughput>().ToList();
        if (hasTarget && limits.Count > 0)
        {
            var lower = figure.RatioTo(limits.MinBy(limit => limit.GigabytesPerSecond)!);
            target = Verdict(lower >= ThroughputTarget, $"{lower:F2}");
        }
        table.AddRow(label, Ratio(figure, transport), Ratio(figure, disk), $"{figure.GigabytesPerSecond:F2}", target);
    }

    private static string Ratio(Throughput figure, Throughput? limit) => limit is null ? "–" : $"{figure.RatioTo(limit):F2}";

    private static string Verdict(bool met, string figure) => met ? $"[green]{figure} met[/]" : $"[red]{figure} missed[/]";

    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.##} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.#} KiB",
        _ => $"{bytes} B",
    };
}
