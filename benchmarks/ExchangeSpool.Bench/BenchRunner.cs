using Spectre.Console;

namespace ExchangeSpool.Bench;

/// <summary>Runs every section in order under one progress display, prints the table, writes the JSON.</summary>
public static class BenchRunner
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, IAnsiConsole console)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            console.MarkupLineInterpolated($"[red]{e.Message}[/]");
            return 2;
        }
        // Redirected output (CI, the smoke test) gets Spectre's 80 columns, too narrow for the tables.
        if (!console.Profile.Capabilities.Interactive && console.Profile.Width < 160)
            console.Profile.Width = 160;
        Directory.CreateDirectory(options.WorkDirectory);
        try
        {
            var report = await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .StartAsync(progress => MeasureAsync(options, progress));
            console.Write(ResultsTable.Throughputs(report));
            console.Write(ResultsTable.Others(report));
            if (options.JsonPath is { } path)
            {
                await File.WriteAllTextAsync(path, report.ToJson());
                console.MarkupLineInterpolated($"figures written to {path}");
            }
            return 0;
        }
        finally
        {
            Directory.Delete(options.WorkDirectory, recursive: true);
        }
    }

    private static async Task<BenchReport> MeasureAsync(BenchOptions options, ProgressContext progress)
    {
        var o = options;
        var spoolShape = $"{o.Sinks}×{o.Partitions}×{ResultsTable.Size(o.Bytes)}";
        var transport = progress.AddTask($"transport limit ({o.Sinks} streams, {ResultsTable.Size(o.Bytes)})", autoStart: false);
        var disk = progress.AddTask("disk limit", autoStart: false);
        var spoolOff = progress.AddTask($"spool {spoolShape}, encryption off", autoStart: false);
        var spoolOn = progress.AddTask($"spool {spoolShape}, encryption on", autoStart: false);
        var latency = progress.AddTask($"small exchange latency ×{o.LatencyRepetitions}", autoStart: false);
        var rss = o.RssShapes.Select(shape => progress.AddTask($"peak RSS {shape.Sinks} sinks × {shape.Partitions} partitions", autoStart: false)).ToArray();

        var settings = BenchSettings.From(o);
        var transportFigures = await Step(transport, () => TransportLimit.MeasureAsync(o.Sinks, o.Bytes, o.MessageSize));
        // The disk limit is measured where the spool's local backend writes.
        var diskFigures = await Step(disk, () => DiskLimit.MeasureAsync(Path.Combine(o.WorkDirectory, "spool"), o.Sinks, o.Bytes, o.MessageSize));
        var off = await Step(spoolOff, () => SpoolEndToEnd.MeasureAsync(Path.Combine(o.WorkDirectory, "off"), false, o));
        var on = await Step(spoolOn, () => SpoolEndToEnd.MeasureAsync(Path.Combine(o.WorkDirectory, "on"), true, o));
        var latencyFigures = await Step(latency, () => SmallExchangeLatency.MeasureAsync(Path.Combine(o.WorkDirectory, "latency"), o.LatencyRepetitions,
            new Progress<double>(done => latency.Value = done * 100)));
        var rssFigures = new List<RssResult>();
        for (var i = 0; i < rss.Length; i++)
        {
            var (sinks, partitions) = o.RssShapes[i];
            rssFigures.Add(await Step(rss[i], () => PeakRss.MeasureAsync(Path.Combine(o.WorkDirectory, $"rss{i}"), sinks, partitions, o)));
        }
        return new BenchReport(settings, transportFigures, diskFigures, [off, on], latencyFigures, rssFigures,
            new NotMeasured("the S3 comparison (ExchangeSpool on the RGW vs AWSSDK.S3 multipart) is not built yet"),
            new NotMeasured("the Trino plugin's throughput (SPI driven from Java) is not built yet"));
    }

    /// <summary>One section: its bar starts, runs to 100% when the section is done.</summary>
    private static async Task<T> Step<T>(ProgressTask task, Func<Task<T>> section)
    {
        task.StartTask();
        try
        {
            return await section();
        }
        finally
        {
            task.Value = task.MaxValue;
            task.StopTask();
        }
    }
}
