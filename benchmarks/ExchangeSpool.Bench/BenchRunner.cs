using ExchangeSpool.ContractTests.Azure;
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
            foreach (var store in ResultsTable.ObjectStore(report.S3).Concat(ResultsTable.ObjectStore(report.Azure)))
                console.Write(store);
            if (ResultsTable.Hdfs(report) is { } hdfs)
                console.Write(hdfs);
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
        var rounds = $"{o.Repetitions} interleaved rounds";
        var local = o.Runs("transport") || o.Runs("disk") || o.Runs("local")
            ? progress.AddTask($"transport limit, disk limit, spool {spoolShape} encryption off and on: {rounds}", autoStart: false)
            : null;
        var latency = Bar("latency", $"small exchange latency ×{o.LatencyRepetitions}");
        var rss = o.RssShapes.Select(shape => Bar("rss",
            $"peak RSS {shape.Sinks} sinks × {shape.Partitions} partitions, budget {ResultsTable.Size(shape.MemoryLimit ?? o.RssMemoryLimit)}" +
            (shape.ConnectionPerStream ? ", a connection per stream" : "") + (shape.OnS3 ? ", on S3" : ""))).ToArray();
        var stalled = Bar("stalled", $"write beside {o.StalledReaders} stalled readers, budget {ResultsTable.Size(o.StalledMemoryLimit)}");
        var s3 = progress.AddTask($"S3: spool vs AWSSDK.S3, {o.Sinks}×{o.S3Partitions}×{ResultsTable.Size(o.S3Bytes)}, {rounds}", autoStart: false);
        var azure = progress.AddTask($"Azure: spool vs Azure.Storage.Blobs, {o.Sinks}×{o.AzurePartitions}×{ResultsTable.Size(o.AzureBytes)}, {rounds}",
            autoStart: false);
        var hdfs = progress.AddTask($"HDFS: spool vs plain WebHDFS, {o.Sinks}×{o.HdfsPartitions}×{ResultsTable.Size(o.HdfsBytes)}, {rounds}", autoStart: false);
        var plugin = progress.AddTask($"Trino plugin vs .NET client, {spoolShape}, {rounds}", autoStart: false);

        var settings = BenchSettings.From(o);
        var localFigures = await Step(local, () => LocalThroughput.MeasureAsync(o, Percent(local)));
        var latencyFigures = await Step(latency, () => SmallExchangeLatency.MeasureAsync(Path.Combine(o.WorkDirectory, "latency"), o.LatencyRepetitions,
            Percent(latency)));
        var rssFigures = new List<RssResult>();
        for (var i = 0; i < rss.Length; i++)
        {
            var shape = o.RssShapes[i];
            if (await Step(rss[i], () => PeakRss.MeasureAsync(Path.Combine(o.WorkDirectory, $"rss{i}"), shape, o)) is { } figure)
                rssFigures.Add(figure);
        }
        var stalledFigures = await Step(stalled, () => StalledReaders.MeasureAsync(Path.Combine(o.WorkDirectory, "stalled"), o));
        var s3Figures = await Step(s3, () => MeasureS3Async(o, Percent(s3)));
        var azureFigures = await Step(azure, () => MeasureAzureAsync(o, Percent(azure)));
        var hdfsFigures = await Step(hdfs, () => MeasureHdfsAsync(o, Percent(hdfs)));
        var pluginFigures = await Step(plugin, () => MeasurePluginAsync(o, Percent(plugin)));
        return new BenchReport(settings, localFigures?.Transport, localFigures?.Disk, localFigures?.Spool ?? [], latencyFigures, rssFigures,
            stalledFigures, s3Figures!, azureFigures!, hdfsFigures!, pluginFigures!);

        // A bar for a section this run measures; none for one it leaves out.
        ProgressTask? Bar(string section, string description) => o.Runs(section) ? progress.AddTask(description, autoStart: false) : null;
    }

    /// <summary>A section's progress, as a fraction done, on its bar.</summary>
    private static IProgress<double> Percent(ProgressTask? bar) => new Progress<double>(done =>
    {
        if (bar is not null)
            bar.Value = done * 100;
    });

    private static Task<ObjectStoreSection> MeasureS3Async(BenchOptions o, IProgress<double> progress) =>
        MeasureObjectStoreAsync("S3", "AWSSDK.S3", o.Runs("s3"), "--quick, --no-s3 and --only leave it out; add --s3 to run it", () => S3TestEndpoint.Unavailable,
            () => S3Comparison.MeasureAsync(Path.Combine(o.WorkDirectory, "s3"), o.Sinks, o.S3Partitions, o.S3Bytes, o.PageSize, o.Repetitions, progress));

    private static Task<ObjectStoreSection> MeasureAzureAsync(BenchOptions o, IProgress<double> progress) =>
        MeasureObjectStoreAsync("Azure", "Azure.Storage.Blobs", o.Runs("azure"), "--no-azure and --only leave it out", () => AzureTestEndpoint.Unavailable,
            () => AzureComparison.MeasureAsync(o, progress));

    /// <summary>An object store's figures; or, when it was not selected, has no server here or failed, why not.</summary>
    private static async Task<ObjectStoreSection> MeasureObjectStoreAsync(string store, string directClient, bool selected, string howLeftOut,
        Func<string?> unavailable, Func<Task<IReadOnlyList<ObjectStoreResult>>> measure)
    {
        if (!selected)
            return new ObjectStoreSection(store, directClient, [], $"not selected ({howLeftOut})");
        if (unavailable() is { } reason)
            return new ObjectStoreSection(store, directClient, [], reason);
        try
        {
            return new ObjectStoreSection(store, directClient, await measure(), null);
        }
        catch (Exception e)
        {
            // The store's server is outside this harness (a gateway or Azurite that did not boot, an unreachable endpoint): report it, keep the other figures.
            return new ObjectStoreSection(store, directClient, [], $"failed: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
        }
    }

    private static async Task<HdfsSection> MeasureHdfsAsync(BenchOptions o, IProgress<double> progress)
    {
        if (!o.Runs("hdfs"))
            return new HdfsSection(null, "not selected (--no-hdfs and --only leave it out)");
        return new HdfsSection(await HdfsComparison.MeasureAsync(Path.Combine(o.WorkDirectory, "hdfs"), o.Sinks, o.HdfsPartitions, o.HdfsBytes, o.PageSize,
            o.Repetitions, progress), null);
    }

    private static async Task<PluginSection> MeasurePluginAsync(BenchOptions o, IProgress<double> progress)
    {
        if (!o.Runs("plugin"))
            return new PluginSection(null, "not selected (--quick, --no-plugin and --only leave it out; add --plugin to run it)");
        if (PluginDriver.Unavailable is { } reason)
            return new PluginSection(null, reason);
        try
        {
            return new PluginSection(await PluginComparison.MeasureAsync(Path.Combine(o.WorkDirectory, "plugin"), o.Sinks, o.Partitions, o.Bytes, o.PageSize,
                o.Repetitions, progress), null);
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
