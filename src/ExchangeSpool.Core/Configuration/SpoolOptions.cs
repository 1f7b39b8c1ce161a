using ExchangeSpool.Core.Compression;

namespace ExchangeSpool.Core.Configuration;

/// <summary>
/// Everything the spool core needs to know about its deployment. Keys and defaults follow Trino's
/// filesystem exchange manager where the meaning is the same; the server binds them from
/// <c>exchange-manager.properties</c>, the environment and the command line.
/// </summary>
public sealed record SpoolOptions
{
    public const long MiB = 1024 * 1024;

    /// <summary><c>exchange.base-directories</c>: where spooled files live; one or more, striped per sink.</summary>
    public IReadOnlyList<string> BaseDirectories { get; init; } = ["./spool-data"];

    /// <summary><c>exchange.spool.closed-exchange-retention</c>: how long a closed exchange's tombstone refuses late writes before it is swept.</summary>
    public TimeSpan ClosedExchangeRetention { get; init; } = TimeSpan.FromHours(24);

    /// <summary><c>exchange.spool.orphan-ttl</c>: exchanges no server used for this long are deleted by the orphan sweeper; zero: this server does not sweep.</summary>
    public TimeSpan OrphanTtl { get; init; } = TimeSpan.FromHours(24);

    /// <summary><c>exchange.spool.orphan-sweep-interval</c>: how often this server sweeps orphaned exchanges.</summary>
    public TimeSpan OrphanSweepInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How often an exchange in use gets a newer activity record: a quarter of the orphan TTL, at most
    /// <see cref="MaxActivityRefreshInterval"/> (which also holds when this server does not sweep, for the others that may).
    /// </summary>
    public TimeSpan ActivityRefreshInterval =>
        OrphanTtl == TimeSpan.Zero || OrphanTtl / 4 > MaxActivityRefreshInterval ? MaxActivityRefreshInterval : OrphanTtl / 4;

    /// <summary><c>exchange.max-page-storage-size</c>: the largest page, including its 4-byte frame.</summary>
    public long MaxPageStorageSize { get; init; } = 16 * MiB;

    /// <summary><c>exchange.sink-buffer-pool-min-size</c>: buffers a sink may hold however few partitions it has.</summary>
    public int SinkBufferPoolMinSize { get; init; } = 10;

    /// <summary><c>exchange.sink-buffers-per-partition</c>: one filling, the rest being written.</summary>
    public int SinkBuffersPerPartition { get; init; } = 2;

    /// <summary><c>exchange.spool.sink-buffer-size</c>: the block size; a partition's buffer grows to it as data arrives.</summary>
    public int SinkBufferSize { get; init; } = (int)MiB;

    /// <summary><c>exchange.sink-max-file-size</c>: a partition's file rolls over before passing it (never with preserve-order).</summary>
    public long SinkMaxFileSize { get; init; } = 1024 * MiB;

    /// <summary><c>exchange.source-concurrent-readers</c>: files read at once by one source stream.</summary>
    public int SourceConcurrentReaders { get; init; } = 4;

    /// <summary><c>exchange.source-handle-target-data-size</c>: files are packed into handles up to this size.</summary>
    public long SourceHandleTargetDataSize { get; init; } = 256 * MiB;

    /// <summary><c>exchange.max-output-partition-count</c>: the most partitions an exchange may have.</summary>
    public int MaxOutputPartitionCount { get; init; } = 50;

    /// <summary><c>exchange.spool.memory-limit</c>: one budget for every sink buffer and every read-ahead block.</summary>
    public long MemoryLimit { get; init; } = 1024 * MiB;

    /// <summary><c>exchange.spool.compression</c>: LZ4 per block (kept when it saves 10%), or none.</summary>
    public BlockCompression Compression { get; init; } = BlockCompression.None;

    /// <summary>Upper bounds the other settings are checked against.</summary>
    public const int MaxPartitionCountLimit = 10_000;
    public const long MaxPageStorageSizeLimit = 256 * MiB;
    public static readonly TimeSpan MinClosedExchangeRetention = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MinOrphanTtl = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxActivityRefreshInterval = TimeSpan.FromMinutes(5);

    /// <summary>Returns the first invalid setting as (key, problem), or null when all are valid.</summary>
    public (string Key, string Problem)? FindInvalidSetting()
    {
        if (BaseDirectories.Count == 0)
            return ("exchange.base-directories", "at least one directory is required");
        if (ClosedExchangeRetention < MinClosedExchangeRetention)
            return ("exchange.spool.closed-exchange-retention", $"must be at least {MinClosedExchangeRetention.TotalMinutes:0}m, so that late writes of a closed exchange are still refused");
        if (OrphanTtl != TimeSpan.Zero && OrphanTtl < MinOrphanTtl)
            return ("exchange.spool.orphan-ttl", $"must be 0 (off) or at least {MinOrphanTtl.TotalMinutes:0}m, well above the time an exchange may sit unused while its query runs");
        if (MaxPageStorageSize is < 1024 or > MaxPageStorageSizeLimit)
            return ("exchange.max-page-storage-size", $"must be between 1kB and {MaxPageStorageSizeLimit / MiB}MB");
        if (SinkBufferPoolMinSize < 1)
            return ("exchange.sink-buffer-pool-min-size", "must be at least 1");
        if (SinkBuffersPerPartition < 2)
            return ("exchange.sink-buffers-per-partition", "must be at least 2");
        if (SinkBufferSize is < 4096 or > (int)(64 * MiB))
            return ("exchange.spool.sink-buffer-size", "must be between 4kB and 64MB");
        if (SinkMaxFileSize < MaxPageStorageSize)
            return ("exchange.sink-max-file-size", "must be at least exchange.max-page-storage-size");
        if (SourceConcurrentReaders < 1)
            return ("exchange.source-concurrent-readers", "must be at least 1");
        if (SourceHandleTargetDataSize < 1)
            return ("exchange.source-handle-target-data-size", "must be positive");
        if (MaxOutputPartitionCount is < 1 or > MaxPartitionCountLimit)
            return ("exchange.max-output-partition-count", $"must be between 1 and {MaxPartitionCountLimit}");
        if (MemoryLimit < 2 * (MaxPageStorageSize + SinkBufferSize))
            return ("exchange.spool.memory-limit", "must hold at least two of the largest page plus two sink buffers");
        return null;
    }
}
