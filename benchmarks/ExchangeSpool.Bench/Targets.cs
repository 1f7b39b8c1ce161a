namespace ExchangeSpool.Bench;

/// <summary>
/// Which figure is compared with which reference, and the target it must reach (issue 10); the
/// tables and the JSON both take their comparisons from here.
/// </summary>
public static class Targets
{
    /// <summary>Local spool write and read with encryption, of the lower of the transport and disk limits of the same direction.</summary>
    public const double LocalThroughput = 0.9;
    /// <summary>Spool ÷ the store's SDK used directly, on S3 and on Azure (issue 15).</summary>
    public const double ObjectStoreThroughput = 0.9;

    /// <summary>The spool server's CPU seconds per GB as a ratio to the direct client's (AWSSDK.S3, Azure.Storage.Blobs; issue 15).</summary>
    public const double ObjectStoreCpuRatio = 1.5;
    public const double PluginThroughput = 0.8;
    public const double LatencyP50Milliseconds = 2;

    /// <summary>A write beside stalled readers, as a ratio to the same write alone (issue 13).</summary>
    public const double StalledWriteRatio = 2;

    public static IReadOnlyList<Comparison> Of(BenchReport report) =>
    [
        .. report.Spool.SelectMany(spool => Direction.Both.Select(direction => Spool(spool, direction, report.Transport, report.Disk))).OfType<Comparison>(),
        .. new[] { report.S3, report.Azure }.SelectMany(store => store.Results.SelectMany(result => Direction.Both.Select(direction => ObjectStore(store, result, direction)))),
        .. report.Hdfs.Result is { } hdfs ? Direction.Both.Select(direction => Hdfs(hdfs, direction)) : [],
        .. report.Plugin.Result is { } plugin ? Direction.Both.Select(direction => Plugin(plugin, direction)) : [],
    ];

    /// <summary>
    /// A spool figure against the lower of its limits (a limit --only left out is not compared; null if
    /// none ran): beating the lower one by more than noise is beating either. Only encryption on has a target.
    /// </summary>
    public static Comparison? Spool(SpoolResult spool, Direction direction, RepeatedDirections? transport, RepeatedDirections? disk)
    {
        var limits = new[] { (Name: direction.TransportLimit, Figures: transport), (Name: direction.DiskLimit, Figures: disk) }
            .Where(limit => limit.Figures is not null)
            .Select(limit => (limit.Name, Figure: direction.Of(limit.Figures!)))
            .ToList();
        if (limits.Count == 0)
            return null;
        var lower = limits.MinBy(limit => limit.Figure.MedianGigabytesPerSecond);
        return new Comparison(spool.Measurement(direction), lower.Name,
            Ratio.Of(direction.Of(spool.Throughput), lower.Figure), spool.Encryption ? LocalThroughput : null);
    }

    public static Comparison ObjectStore(ObjectStoreSection store, ObjectStoreResult result, Direction direction) =>
        new($"{store.Store} {direction.Name}, spool, {result.Placement}", $"{store.DirectClient} direct", Ratio.Of(direction.Of(result.Spool), direction.Of(result.Direct)),
            ObjectStoreThroughput);

    /// <summary>No target: issue 11 asks for the row, not for a figure.</summary>
    public static Comparison Hdfs(HdfsResult hdfs, Direction direction) =>
        new($"HDFS {direction.Name}, spool", "plain WebHDFS", Ratio.Of(direction.Of(hdfs.Spool), direction.Of(hdfs.Direct)), null);

    public static Comparison Plugin(PluginResult plugin, Direction direction) =>
        new($"Trino plugin {direction.Name}", ".NET client", Ratio.Of(direction.Of(plugin.Plugin), direction.Of(plugin.DotNet)), PluginThroughput);
}

/// <summary>Write (towards the server) or read (from it), with the names of its limits.</summary>
public sealed record Direction(string Name, string TransportLimit, string DiskLimit, Func<RepeatedDirections, RepeatedThroughput> Of)
{
    public static readonly Direction Write = new("write", "transport upload", "disk write", figures => figures.Write);
    public static readonly Direction Read = new("plan + read", "transport download", "disk read", figures => figures.Read);
    public static readonly Direction[] Both = [Write, Read];
}
