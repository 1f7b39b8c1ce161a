using ExchangeSpool.Core.Cleanup;
using ExchangeSpool.Core.Sinks;

namespace ExchangeSpool.Core.Planning;

/// <summary>
/// Turns the winning attempts of an exchange into source handles: one manifest read per winner (no
/// listing), then per partition the files packed greedily, starting a new handle when the current
/// one is not empty and the next file would take it past the target size. Once planned, the other
/// attempts of the winners' sinks are deleted in the background.
/// </summary>
public sealed class HandlePlanner(SpoolContext context, SinkRegistry sinks)
{
    private const int ManifestReadParallelism = 32;

    private readonly LosingAttempts _losers = new(context, sinks);

    public async Task<IReadOnlyList<PlannedHandle>> PlanAsync(ExchangeSpec exchange, IReadOnlyList<(int SinkId, int AttemptId)> winners, CancellationToken cancellationToken)
    {
        exchange.Validated(context.Options.MaxOutputPartitionCount);
        CheckWinners(exchange, winners);
        const string NotPlanned = "its source handles cannot be planned";
        using var use = await context.Activity.EnterAndRecordAsync(exchange, NotPlanned, cancellationToken).ConfigureAwait(false);
        await context.Tombstones.ThrowIfClosedAsync(exchange.Key, NotPlanned, cancellationToken).ConfigureAwait(false);
        var filesByPartition = new List<SourceFileRef>[exchange.PartitionCount];
        var manifests = new Format.CommitManifest[winners.Count];
        await Parallel.ForAsync(0, winners.Count,
            new ParallelOptions { MaxDegreeOfParallelism = ManifestReadParallelism, CancellationToken = cancellationToken },
            async (i, token) => manifests[i] = await context.LoadManifestAsync(
                new SinkAttemptId(exchange.Key, winners[i].SinkId, winners[i].AttemptId), token).ConfigureAwait(false)).ConfigureAwait(false);
        foreach (var manifest in manifests.OrderBy(m => m.SinkId))
        {
            foreach (var file in manifest.Files)
            {
                if ((uint)file.PartitionId >= (uint)exchange.PartitionCount)
                    throw SpoolException.DataLoss($"sink {manifest.SinkId} attempt {manifest.AttemptId} of exchange {exchange.Key} lists partition {file.PartitionId}, beyond the exchange's {exchange.PartitionCount}");
                (filesByPartition[file.PartitionId] ??= []).Add(new SourceFileRef(manifest.SinkId, manifest.AttemptId, file.FileIndex, file.DataSize));
            }
        }
        var handles = new List<PlannedHandle>();
        for (var partition = 0; partition < filesByPartition.Length; partition++)
        {
            if (filesByPartition[partition] is { } files)
                Pack(partition, files, context.Options.SourceHandleTargetDataSize, handles);
        }
        _losers.Schedule(exchange.Key, winners);
        return handles;
    }

    /// <summary>Greedy packing, the same rule Trino's own manager uses, so handle counts match its.</summary>
    public static void Pack(int partitionId, IReadOnlyList<SourceFileRef> files, long targetDataSize, List<PlannedHandle> handles)
    {
        var current = new List<SourceFileRef>();
        long currentSize = 0;
        foreach (var file in files)
        {
            if (current.Count > 0 && currentSize + file.DataSize > targetDataSize)
            {
                handles.Add(new PlannedHandle(partitionId, currentSize, current));
                current = [];
                currentSize = 0;
            }
            current.Add(file);
            currentSize += file.DataSize;
        }
        if (current.Count > 0)
            handles.Add(new PlannedHandle(partitionId, currentSize, current));
    }

    private static void CheckWinners(ExchangeSpec exchange, IReadOnlyList<(int SinkId, int AttemptId)> winners)
    {
        var seen = new HashSet<int>();
        foreach (var (sinkId, attemptId) in winners)
        {
            if (sinkId < 0 || attemptId < 0)
                throw SpoolException.InvalidArgument($"winner sink {sinkId} attempt {attemptId} of exchange {exchange.Key}: ids must not be negative");
            if (!seen.Add(sinkId))
                throw SpoolException.InvalidArgument($"sink {sinkId} of exchange {exchange.Key} is listed as a winner twice; a sink has one winning attempt");
        }
    }
}
