using ExchangeSpool.ContractTests.S3;
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
            if (ResultsTable.Throughputs(report) is { } throughputs)
                console.Write(throughputs);
            if (ResultsTable.S3(report) is { } s3)
                console.Write(s3);
            if (ResultsTable.Plugin(report) is { } plugin)
                console.Write(plugin);
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
        var transport = Bar("transport", $"transport limit ({o.Sinks} streams, {ResultsTable.Size(o.Bytes)})");
        var disk = Bar("disk", "disk limit");
        var spoolOff = Bar("local", $"spool {spoolShape}, encryption off");
        var spoolOn = Bar("local", $"spool {spoolShape}, encryption on");
        var latency = Bar("latency", $"small exchange latency ×{o.LatencyRepetitions}");
        var rss = o.RssShapes.Select(shape => Bar("rss",
            $"peak RSS {shape.Sinks} sinks × {shape.Partitions} partitions, budget {ResultsTable.Size(shape.MemoryLimit ?? o.RssMemoryLimit)}" +
            (shape.ConnectionPerStream ? ", a connection per stream" : ""))).ToArray();
        var stalled = Bar("stalled", $"write beside {o.StalledReaders} stalled readers, budget {ResultsTable.Size(o.StalledMemoryLimit)}");
        var s3 = progress.AddTask($"S3: spool vs AWSSDK.S3, {o.Sinks}×{o.S3Partitions}×{ResultsTable.Size(o.S3Bytes)}", autoStart: false);
        var plugin = progress.AddTask($"Trino plugin vs .NET client, {spoolShape}", autoStart: false);

        var settings = BenchSettings.From(o);
        var transportFigures = await Step(transport, () => TransportLimit.MeasureAsync(o.Sinks, o.Bytes, o.MessageSize));
        // The disk limit is measured where the spool's local backend writes.
        var diskFigures = await Step(disk, () => DiskLimit.MeasureAsync(Path.Combine(o.WorkDirectory, "spool"), o.Sinks, o.Bytes, o.MessageSize));
        var off = await Step(spoolOff, () => SpoolEndToEnd.MeasureAsync(Path.Combine(o.WorkDirectory, "off"), false, o));
        var on = await Step(spoolOn, () => SpoolEndToEnd.MeasureAsync(Path.Combine(o.WorkDirectory, "on"), true, o));
        var latencyFigures = await Step(latency, () => SmallExchangeLatency.MeasureAsync(Path.Combine(o.WorkDirectory, "latency"), o.LatencyRepetitions,
            new Progress<double>(done => latency!.Value = done * 100)));
        var rssFigures = new List<RssResult>();
        for (var i = 0; i < rss.Length; i++)
        {
            var shape = o.RssShapes[i];
            if (await Step(rss[i], () => PeakRss.MeasureAsync(Path.Combine(o.WorkDirectory, $"rss{i}"), shape, o)) is { } figure)
                rssFigures.Add(figure);
        }
        var stalledFigures = await Step(stalled, () => StalledReaders.MeasureAsync(Path.Combine(o.WorkDirectory, "stalled"), o));
        var s3Figures = await Step(s3, () => MeasureS3Async(o));
        var pluginFigures = await Step(plugin, () => MeasurePluginAsync(o));
        return new BenchReport(settings, transportFigures, diskFigures, new[] { off, on }.OfType<SpoolResult>().ToList(), latencyFigures, rssFigures,
            stalledFigures, s3Figures!, pluginFigures!);

        // A bar for a section this run measures; none for one it leaves out.
        ProgressTask? Bar(string section, string description) => o.Runs(section) ? progress.AddTask(description, autoStart: false) : null;
    }

    private static async Task<S3Section> MeasureS3Async(BenchOptions o)
    {
        if (!o.Runs("s3"))
            return new S3Section(null, "not selected (--quick, --no-s3 and --only leave it out; add --s3 to run it)");
        if (S3TestEndpoint.Unavailable is { } reason)
            return new S3Section(null, reason);
        try
        {
            return new S3Section(await S3Comparison.MeasureAsync(Path.Combine(o.WorkDirectory, "s3"), o.Sinks, o.S3Partitions, o.S3Bytes, o.PageSize), null);
        }
        catch (Exception e)
        {
            // The S3 server is outside this harness (a gateway that did not boot, an unreachable endpoint): report it, keep the other figures.
            return new S3Section(null, $"failed: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
        }
    }

    private static async Task<PluginSection> MeasurePluginAsync(BenchOptions o)
    {
        if (!o.Runs("plugin"))
            return new PluginSection(null, "not selected (--quick, --no-plugin and --only leave it out; add --plugin to run it)");
        if (PluginComparison.Unavailable is { } reason)
            return new PluginSection(null, reason);
        try
        {
            return new PluginSection(await PluginComparison.MeasureAsync(Path.Combine(o.WorkDirectory, "plugin"), o.Sinks, o.Partitions, o.Bytes, o.PageSize), null);
        }
        catch (Exception e)
        {
            // A JVM or plugin failure is a finding of this section; the other figures still stand.
            return new PluginSection(null, $"failed: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
        }
    }

    /// <summary>One section: its bar starts, runs to 100% when the section is done.</summary>
    private static async Task<T?> Step<T>(ProgressTask? task, Func<Task<T>> section) where T : class
    {
        if (task is null)
            return null;
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
