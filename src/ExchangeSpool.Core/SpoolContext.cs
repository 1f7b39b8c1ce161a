using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Cleanup;
using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Encryption;
using ExchangeSpool.Core.Format;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Core;

/// <summary>The shared parts every sink, source and planner of one server works with.</summary>
public sealed class SpoolContext
{
    /// <param name="keys">The master keys when encryption is enabled, null when it is not.</param>
    /// <param name="clock">The clock that tells how long a stream has stalled and when an exchange was last used; the system's by default.</param>
    /// <param name="budget">
    /// The budget from <see cref="CreateBudget"/> when the storage was given it too (so that its
    /// buffers count against the same limit); a new one when null.
    /// </param>
    public SpoolContext(SpoolOptions options, IExchangeStorage storage, KeyRing? keys = null, TimeProvider? clock = null, MemoryBudget? budget = null)
    {
        Options = options;
        Storage = storage;
        Keys = keys;
        Layout = new ExchangeLayout(storage.BaseDirectories.Count);
        Budget = budget ?? CreateBudget(options);
        Pool = new BufferPool(Budget, MaxPayloadSize(options));
        clock ??= TimeProvider.System;
        Reclaimer = new MemoryReclaimer(Budget, clock, MemoryReclaimer.DefaultStallTime);
        BlockCapacity = Pool.CapacityFor(options.SinkBufferSize);
        Cleanups = new BackgroundCleanups();
        Tombstones = new ExchangeTombstones(storage, Layout, options.ClosedExchangeRetention, Cleanups);
        Activity = new ExchangeActivity(storage, Layout, Tombstones, clock, options.ActivityRefreshInterval);
    }

    /// <summary>The one memory budget of a server with these options, created before its storage so that backends can charge their buffers to it.</summary>
    public static MemoryBudget CreateBudget(SpoolOptions options) =>
        MemoryBudget.HalfReservedForSinks(options.MemoryLimit, BufferPool.LargestRequestFor(MaxPayloadSize(options)));

    private static int MaxPayloadSize(SpoolOptions options) => (int)Math.Max(options.MaxPageStorageSize, options.SinkBufferSize);

    public SpoolOptions Options { get; }

    public IExchangeStorage Storage { get; }

    /// <summary>Non-null exactly when encryption is enabled: files are written with the current key and must be encrypted to be read.</summary>
    public KeyRing? Keys { get; }

    public ExchangeLayout Layout { get; }

    public MemoryBudget Budget { get; }

    public BufferPool Pool { get; }

    /// <summary>Takes memory back from stalled sources and idle sinks when others wait for it.</summary>
    public MemoryReclaimer Reclaimer { get; }

    /// <summary>Deletions that run after the call that caused them has answered.</summary>
    public BackgroundCleanups Cleanups { get; }

    /// <summary>Which exchanges are closed, as every server sharing the storage sees it.</summary>
    public ExchangeTombstones Tombstones { get; }

    /// <summary>When each exchange was last used, as every server sharing the storage sees it; which ones this server uses now.</summary>
    public ExchangeActivity Activity { get; }

    /// <summary>The size a partition's buffer grows to before it is sealed: the sink buffer size, rounded up to the pool's classes.</summary>
    public int BlockCapacity { get; }

    /// <summary>The commit manifest of an attempt (one small read, never a listing), or null when it has none.</summary>
    public async Task<CommitManifest?> TryLoadManifestAsync(SinkAttemptId attempt, CancellationToken cancellationToken)
    {
        var path = Layout.Manifest(attempt.Exchange, attempt.SinkId, attempt.AttemptId);
        var bytes = await Storage.ReadSmallFileAsync(path, CommitManifest.MaxSize, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
            return null;
        var manifest = CommitManifest.Parse(bytes, path.RelativePath);
        if (manifest.SinkId != attempt.SinkId || manifest.AttemptId != attempt.AttemptId)
            throw SpoolException.DataLoss($"commit manifest {path.RelativePath} belongs to sink {manifest.SinkId} attempt {manifest.AttemptId}");
        return manifest;
    }

    /// <summary>The commit manifest of an attempt that must have committed.</summary>
    public async Task<CommitManifest> LoadManifestAsync(SinkAttemptId attempt, CancellationToken cancellationToken) =>
        await TryLoadManifestAsync(attempt, cancellationToken).ConfigureAwait(false)
        ?? throw new SpoolException(SpoolErrorReason.AttemptNotCommitted, $"{attempt} has no commit manifest: it did not finish, or it was aborted");

    /// <summary>
    /// Deletes everything an exchange wrote, in every base directory, then its activity record (so a
    /// deletion cut short is found again by the orphan sweeper); its tombstone is elsewhere and stays.
    /// </summary>
    public async Task DeleteExchangeAsync(ExchangeKey exchange, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(Layout.ExchangeRoots(exchange), cancellationToken,
            async (root, token) => await Storage.DeleteDirectoryAsync(root, token).ConfigureAwait(false)).ConfigureAwait(false);
        await Storage.DeleteDirectoryAsync(Layout.ActivityRecord(exchange), cancellationToken).ConfigureAwait(false);
    }
}
