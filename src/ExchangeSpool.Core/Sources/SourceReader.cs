using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Format;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Core.Sources;

/// <summary>
/// Reads the files of a set of source handles (see <see cref="SourceStream"/>): each file front to
/// back, so the pages of a file come out in write order (and so do a sink's pages of a partition
/// when the exchange preserves order, as its partition then never rolls over to a second file).
/// Only files listed by the commit manifest of a selected attempt are read: anything else is
/// refused before a byte is read.
/// </summary>
public sealed class SourceReader(SpoolContext context)
{
    private const int SelectorExcluded = -2;

    /// <summary>
    /// Streams every verified block to <paramref name="emit"/>, whose payload is page frames
    /// [int32 length][payload]; the buffer returns to the pool once emit completes.
    /// </summary>
    public async Task ReadAsync(SourceRequest request, Func<SpoolBuffer, CancellationToken, ValueTask> emit, CancellationToken cancellationToken)
    {
        var uses = new List<IDisposable>();
        try
        {
            foreach (var exchange in request.Exchanges.Select(e => e.Exchange.Validated(context.Options.MaxOutputPartitionCount)).DistinctBy(e => e.Key))
                uses.Add(await context.Activity.EnterAndRecordAsync(exchange, "its sources cannot be read", cancellationToken).ConfigureAwait(false));
            var files = await ResolveFilesAsync(request, cancellationToken).ConfigureAwait(false);
            await new SourceStream(context, files, cancellationToken).RunAsync(emit, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var use in uses)
                use.Dispose();
        }
    }

    /// <summary>Checks every file against the selector and its attempt's manifest; returns them in handle order.</summary>
    private async Task<List<ResolvedFile>> ResolveFilesAsync(SourceRequest request, CancellationToken cancellationToken)
    {
        foreach (var exchange in request.Exchanges)
            exchange.Exchange.Validated(context.Options.MaxOutputPartitionCount);
        var attempts = new HashSet<(int Exchange, int Sink, int Attempt)>();
        foreach (var handle in request.Handles)
        {
            var exchange = CheckHandle(request, handle);
            foreach (var file in handle.Files)
            {
                CheckSelected(exchange, file.SinkId, file.AttemptId);
                attempts.Add((handle.ExchangeIndex, file.SinkId, file.AttemptId));
            }
        }
        var manifests = new Dictionary<(int, int, int), CommitManifest>();
        await Parallel.ForEachAsync(attempts, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (attempt, token) =>
            {
                var key = request.Exchanges[attempt.Exchange].Exchange.Key;
                var manifest = await context.LoadManifestAsync(new SinkAttemptId(key, attempt.Sink, attempt.Attempt), token).ConfigureAwait(false);
                lock (manifests)
                    manifests[attempt] = manifest;
            }).ConfigureAwait(false);

        var files = new List<ResolvedFile>();
        foreach (var handle in request.Handles)
        {
            var exchange = request.Exchanges[handle.ExchangeIndex].Exchange;
            var key = exchange.Key;
            foreach (var file in handle.Files)
            {
                var manifest = manifests[(handle.ExchangeIndex, file.SinkId, file.AttemptId)];
                var entry = manifest.Files.FirstOrDefault(f => f.PartitionId == handle.PartitionId && f.FileIndex == file.FileIndex);
                if (entry.BlockCount == 0 || entry.DataSize != file.DataSize)
                    throw new SpoolException(SpoolErrorReason.AttemptNotCommitted,
                        $"file {handle.PartitionId}_{file.FileIndex} of sink {file.SinkId} attempt {file.AttemptId} of exchange {key} is not part of that attempt's commit (or its size {file.DataSize} does not match)");
                files.Add(new ResolvedFile(exchange, file.SinkId, file.AttemptId, entry));
            }
        }
        return files;
    }

    private static SourceExchange CheckHandle(SourceRequest request, SourceHandleRef handle)
    {
        if ((uint)handle.ExchangeIndex >= (uint)request.Exchanges.Count)
            throw SpoolException.InvalidArgument($"a source handle names exchange index {handle.ExchangeIndex}, but the request lists {request.Exchanges.Count} exchanges");
        var exchange = request.Exchanges[handle.ExchangeIndex];
        if ((uint)handle.PartitionId >= (uint)exchange.Exchange.PartitionCount)
            throw new SpoolException(SpoolErrorReason.PartitionOutOfRange, $"partition {handle.PartitionId} is out of range [0, {exchange.Exchange.PartitionCount}) for exchange {exchange.Exchange.Key}");
        foreach (var file in handle.Files)
        {
            if (file.SinkId < 0 || file.AttemptId < 0 || file.FileIndex < 0)
                throw SpoolException.InvalidArgument($"a source file of exchange {exchange.Exchange.Key} has a negative id (sink {file.SinkId}, attempt {file.AttemptId}, file {file.FileIndex})");
        }
        return exchange;
    }

    private static void CheckSelected(SourceExchange exchange, int sinkId, int attemptId)
    {
        var selected = exchange.SelectedAttempts.Span;
        if (selected.IsEmpty)
            return;
        var key = exchange.Exchange.Key;
        if (sinkId >= selected.Length)
            throw new SpoolException(SpoolErrorReason.AttemptNotSelected, $"sink {sinkId} of exchange {key} is not covered by the output selector ({selected.Length} sinks)");
        var choice = (sbyte)selected[sinkId];
        if (choice == SelectorExcluded)
            throw new SpoolException(SpoolErrorReason.AttemptNotSelected, $"sink {sinkId} of exchange {key} is excluded by the output selector; its files may not be read");
        if (choice != attemptId)
            throw new SpoolException(SpoolErrorReason.AttemptNotSelected, $"sink {sinkId} attempt {attemptId} of exchange {key} was not selected: the output selector chose attempt {choice}");
    }
}
