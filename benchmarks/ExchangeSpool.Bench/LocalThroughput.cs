namespace ExchangeSpool.Bench;

/// <summary>
/// The transport limit, the disk limit and the spool on the local backend with encryption off and on,
/// each started and warmed up once, then measured in interleaved rounds (transport, disk, spool off,
/// spool on, transport, ...). The sections that --only leaves out take no turn.
/// </summary>
public static class LocalThroughput
{
    public static async Task<LocalResult> MeasureAsync(BenchOptions o, IProgress<double> progress)
    {
        await using var transport = o.Runs("transport") ? await TransportLimit.StartAsync(o.Sinks, o.Bytes, o.MessageSize) : null;
        // The disk limit is measured where the spool's local backend writes.
        using var disk = o.Runs("disk") ? await DiskLimit.StartAsync(Path.Combine(o.WorkDirectory, "spool"), o.Sinks, o.Bytes, o.MessageSize) : null;
        await using var off = o.Runs("local") ? await StartSpoolAsync(o, encryption: false) : null;
        await using var on = o.Runs("local") ? await StartSpoolAsync(o, encryption: true) : null;

        var subjects = new IThroughputSubject?[] { transport, disk, off, on }.OfType<IThroughputSubject>().ToList();
        var measured = subjects.Zip(await Interleaving.MeasureAsync(subjects, o.Repetitions, progress)).ToDictionary(pair => pair.First, pair => pair.Second);
        RepeatedDirections? Of(IThroughputSubject? subject) => subject is null ? null : measured[subject];

        var spool = new[] { (Encryption: false, Subject: off), (Encryption: true, Subject: on) }
            .Where(spool => spool.Subject is not null)
            .Select(spool => new SpoolResult(spool.Encryption, Of(spool.Subject)!))
            .ToList();
        return new LocalResult(Of(transport), Of(disk), spool);
    }

    private static Task<SpoolEndToEnd> StartSpoolAsync(BenchOptions o, bool encryption) =>
        SpoolEndToEnd.StartAsync(Path.Combine(o.WorkDirectory, encryption ? "on" : "off"), o.Sinks, o.Partitions, o.Bytes, o.PageSize,
            $"exchange.encryption-enabled={(encryption ? "true" : "false")}");
}

/// <summary>The figures of <see cref="LocalThroughput"/>; null or empty for what --only left out.</summary>
public sealed record LocalResult(RepeatedDirections? Transport, RepeatedDirections? Disk, IReadOnlyList<SpoolResult> Spool);
