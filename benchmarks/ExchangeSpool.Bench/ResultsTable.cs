using Spectre.Console;

namespace ExchangeSpool.Bench;

/// <summary>
/// The tables at the end: each throughput figure's median and spread (min–max) over the interleaved
/// repetitions, as a ratio to the limit or reference measured next to it (the ratio of the medians,
/// and the per-repetition ratios' min–max), with the issue's target. Absolute figures are there for
/// context only; they swing between runs and machines.
/// </summary>
public static class ResultsTable
{
    /// <summary>Throughput as ratios to the transport and disk limits of the same direction; null when no such section ran.</summary>
    public static Table? Throughputs(BenchReport report)
    {
        if (report.Transport is null && report.Disk is null && report.Spool.Count == 0)
            return null;
        var s = report.Settings;
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"throughput: {s.Sinks} sinks × {s.Partitions} partitions × {Size(s.Bytes)}, {Size(s.PageSize)} pages, {s.ProcessorCount} cores, " +
                $"median (min–max) of {s.Repetitions} interleaved repetitions")
            .AddColumn("measurement").AddColumn(new TableColumn("GB/s").RightAligned())
            .AddColumn(new TableColumn("÷ transport").RightAligned()).AddColumn(new TableColumn("÷ disk").RightAligned())
            .AddColumn(new TableColumn("allocated per MiB").RightAligned())
            .AddColumn($"target (encryption on ≥ {Targets.LocalThroughput:F2} of the lower limit; > {Comparison.ValidUpTo:F2} is invalid)");
        var (transport, disk) = (report.Transport, report.Disk);
        if (transport is not null)
        {
            Row("transport limit, upload (HTTP/2 discard)", Direction.Write, transport, null);
            Row("transport limit, download (HTTP/2 generate)", Direction.Read, transport, null);
        }
        if (disk is not null)
        {
            Row("disk limit, write (plain files)", Direction.Write, disk, null);
            Row("disk limit, read (plain files)", Direction.Read, disk, null);
        }
        foreach (var spool in report.Spool)
        {
            foreach (var direction in Direction.Both)
            {
                Row(spool.Measurement(direction), direction, spool.Throughput, Targets.Spool(spool, direction, transport, disk));
            }
        }
        return table;

        void Row(string label, Direction direction, RepeatedDirections figures, Comparison? comparison)
        {
            var figure = direction.Of(figures);
            table.AddRow(label, Figure(figure), RatioTo(figure, direction, transport), RatioTo(figure, direction, disk), Allocated(figure),
                comparison is null ? "" : Judgement(comparison));
        }
    }

    private static string RatioTo(RepeatedThroughput figure, Direction direction, RepeatedDirections? limit) =>
        limit is null ? "–" : Spread(Ratio.Of(figure, direction.Of(limit)));

    /// <summary>ExchangeSpool on an object store (S3, Azure) as a ratio to its SDK moving the same bytes at the same part size and concurrency.</summary>
    public static IEnumerable<Table> ObjectStore(ObjectStoreSection store) => store.Results.Select(result =>
        Comparisons($"{store.Store} ({Markup.Escape(result.Server)}, {result.Placement}): {result.Sinks} sinks × {result.Partitions} partitions, " +
            $"{Size(result.PartSize)} parts; CPU s/GB: spool server {result.SpoolServerCpuSecondsPerGigabyte:F2}, direct {Markup.Escape(store.DirectClient)} " +
            $"{result.DirectCpuSecondsPerGigabyte:F2}, ratio {result.CpuRatio:F2} " +
            (result.CpuRatio <= Targets.ObjectStoreCpuRatio ? $"[green]≤ {Targets.ObjectStoreCpuRatio}: met[/]" : $"[red]≤ {Targets.ObjectStoreCpuRatio}: missed[/]") +
            $"; spool's requests in flight: PUT {result.SpoolUploadsInFlight}, GET {result.SpoolDownloadsInFlight}; {result.SettlingRounds} settling rounds",
            "spool", "direct", result.Spool, result.Direct, direction => Targets.ObjectStore(store, result, direction)));

    /// <summary>ExchangeSpool on HDFS as a ratio to plain WebHDFS requests moving the same bytes at the same append unit and concurrency.</summary>
    public static Table? Hdfs(BenchReport report)
    {
        if (report.Hdfs.Result is not { } hdfs)
            return null;
        return Comparisons($"HDFS ({Markup.Escape(hdfs.Server)}): {hdfs.Sinks} sinks × {hdfs.Partitions} partitions, {Size(hdfs.BlockSize)} appends",
            "spool", "WebHDFS", hdfs.Spool, hdfs.Direct, direction => Targets.Hdfs(hdfs, direction));
    }

    /// <summary>The Trino plugin as a ratio to the .NET client on the same workload and server.</summary>
    public static Table? Plugin(BenchReport report)
    {
        if (report.Plugin.Result is not { } plugin)
            return null;
        return Comparisons($"Trino plugin vs .NET client: {plugin.Sinks} sinks × {plugin.Partitions} partitions × {Size(report.Settings.Bytes)}",
            "plugin", ".NET client", plugin.Plugin, plugin.DotNet, direction => Targets.Plugin(plugin, direction));
    }

    /// <summary>Two ways of moving the same bytes, write and read, the first as a ratio to the second.</summary>
    private static Table Comparisons(string title, string subject, string baseline, RepeatedDirections measured, RepeatedDirections reference,
        Func<Direction, Comparison> compare)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(title)
            .AddColumn("measurement").AddColumn(new TableColumn($"{subject} ÷ {baseline}").RightAligned())
            .AddColumn(new TableColumn($"{subject} GB/s").RightAligned()).AddColumn(new TableColumn($"{baseline} GB/s").RightAligned()).AddColumn("target");
        foreach (var direction in Direction.Both)
        {
            var comparison = compare(direction);
            table.AddRow(direction == Direction.Write ? "write (sinks, committed)" : "plan + read", Spread(comparison.Ratio),
                Figure(direction.Of(measured)), Figure(direction.Of(reference)), Judgement(comparison));
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
            var target = Targets.LatencyP50Milliseconds;
            table.AddRow($"small exchange p50 ({latency.Repetitions} repetitions after {latency.WarmUpRepetitions} unmeasured; " +
                $"the JIT compiled {latency.JitMillisecondsWhileMeasured:F0} ms meanwhile)", "", $"{latency.P50Milliseconds:F2} ms",
                latency.P50Milliseconds <= target ? $"[green]≤ {target} ms: met[/]" : $"[red]≤ {target} ms: missed by {latency.P50Milliseconds - target:F2} ms[/]");
            table.AddRow("small exchange p99", "", $"{latency.P99Milliseconds:F2} ms", "");
        }
        foreach (var rss in report.Rss)
        {
            table.AddRow($"peak server RSS, {rss.Sinks} sinks × {rss.Partitions} partitions, {Size(rss.Bytes)}, budget {Size(rss.MemoryLimit)}" +
                (rss.ConnectionPerStream ? ", a connection per stream" : "") + (rss.OnS3 ? ", on S3" : ""),
                $"{rss.Ratio:F2}", $"{Size(rss.PeakRssBytes)} of {Size(rss.Allowed)} (idle {Size(rss.IdleRssBytes)})",
                rss.Failure is not null ? $"[red]failed: {Markup.Escape(rss.Failure)}[/]"
                : rss.Ratio <= 1 ? "[green]≤ budget + 150 MiB: met[/]"
                : $"[red]≤ budget + 150 MiB: missed by {Size(rss.PeakRssBytes - rss.Allowed)}[/]");
        }
        if (report.Stalled is { } stalled)
        {
            var label = $"write beside {stalled.Readers} stalled readers ÷ write alone, {Size(stalled.WriteBytes)}, budget {Size(stalled.MemoryLimit)}";
            var alone = $"{stalled.AloneSeconds * 1000:F0} ms alone";
            if (stalled.Ratio is { } ratio)
                table.AddRow(label, $"{ratio:F2}", $"{stalled.BesideSeconds * 1000:F0} ms vs {alone}", ratio <= Targets.StalledWriteRatio ? $"[green]≤ {Targets.StalledWriteRatio}: met[/]" : $"[red]≤ {Targets.StalledWriteRatio}: missed by {ratio - Targets.StalledWriteRatio:F2}[/]");
            else
                table.AddRow(label, "", alone, $"[red]failed: {Markup.Escape(stalled.Failure ?? "")}[/]");
        }
        foreach (var store in new[] { report.S3, report.Azure })
        {
            if (store.NotMeasured is { } why)
                table.AddRow($"{store.Store}: spool ÷ {store.DirectClient}", "", "", $"[grey]not measured: {Markup.Escape(why)}[/]");
        }
        if (report.Hdfs.NotMeasured is { } hdfsWhy)
            table.AddRow("HDFS: spool ÷ plain WebHDFS", "", "", $"[grey]not measured: {Markup.Escape(hdfsWhy)}[/]");
        if (report.Plugin.NotMeasured is { } pluginWhy)
            table.AddRow("Trino plugin ÷ .NET client", "", "", $"[grey]not measured: {Markup.Escape(pluginWhy)}[/]");
        return table;
    }

    /// <summary>The verdict and by how much: met, missed by the shortfall, or invalid (the reference is broken, nothing is judged).</summary>
    public static string Judgement(Comparison comparison) => comparison.Verdict switch
    {
        Verdict.Invalid => $"[red]invalid: {comparison.Ratio.Median:F2} of {Markup.Escape(comparison.Reference)}, > {Comparison.ValidUpTo:F2}[/]",
        Verdict.Met => $"[green]≥ {comparison.Target:F2}: met[/]",
        Verdict.Missed => $"[red]≥ {comparison.Target:F2}: missed by {comparison.MissedBy:F2}[/]",
        _ => "",
    };

    /// <summary>The median, with the min–max of the repetitions when there are several.</summary>
    private static string Figure(RepeatedThroughput figure) => figure.Runs.Count == 1
        ? $"{figure.MedianGigabytesPerSecond:F3}"
        : $"{figure.MedianGigabytesPerSecond:F3} ({figure.MinGigabytesPerSecond:F3}–{figure.MaxGigabytesPerSecond:F3})";

    private static string Spread(Ratio ratio) => ratio.Min == ratio.Max ? $"{ratio.Median:F2}" : $"{ratio.Median:F2} ({ratio.Min:F2}–{ratio.Max:F2})";

    private static string Allocated(RepeatedThroughput figure) =>
        figure.MedianAllocatedBytesPerMebibyte is { } perMebibyte ? Size((long)perMebibyte) : "–";

    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.##} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.#} KiB",
        _ => $"{bytes} B",
    };
}
