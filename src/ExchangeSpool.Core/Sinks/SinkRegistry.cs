using System.Collections.Concurrent;

namespace ExchangeSpool.Core.Sinks;

/// <summary>
/// The attempts this server is writing now, so that an abort from another call reaches the stream
/// that owns the attempt, and a second stream for the same attempt is refused.
/// </summary>
public sealed class SinkRegistry(SpoolContext context)
{
    private readonly ConcurrentDictionary<SinkAttemptId, SinkAttempt> _active = new();

    public int ActiveCount => _active.Count;

    /// <summary>
    /// Registers the attempt first and checks storage second: while it is registered no other stream of
    /// this server can commit it, so a commit cannot slip in between the check and the first write.
    /// </summary>
    public async Task<SinkAttempt> OpenAsync(ExchangeSpec exchange, int sinkId, int attemptId, CancellationToken cancellationToken)
    {
        var id = CheckedId(exchange, sinkId, attemptId);
        if (attemptId > SinkAttemptId.MaxSelectableAttemptId)
            throw SpoolException.InvalidArgument(
                $"attempt id {attemptId} of sink {sinkId} of exchange {exchange.Key} is above the limit {SinkAttemptId.MaxSelectableAttemptId}: an output selector byte holds 0..{SinkAttemptId.MaxSelectableAttemptId}");
        var attempt = new SinkAttempt(context, exchange, id, a => _active.TryRemove(new KeyValuePair<SinkAttemptId, SinkAttempt>(a.Id, a)));
        if (!_active.TryAdd(id, attempt))
        {
            // The files in that attempt's directory are the other stream's: leave them alone.
            await attempt.DiscardUnusedAsync().ConfigureAwait(false);
            throw new SpoolException(SpoolErrorReason.AttemptBusy, $"{id} is already being written by another stream");
        }
        try
        {
            if (await IsCommittedAsync(id, cancellationToken).ConfigureAwait(false))
                throw new SpoolException(SpoolErrorReason.AttemptCommitted, $"{id} is already committed; a committed attempt cannot be written again");
        }
        catch
        {
            _active.TryRemove(new KeyValuePair<SinkAttemptId, SinkAttempt>(id, attempt));
            await attempt.DiscardUnusedAsync().ConfigureAwait(false);
            throw;
        }
        return attempt;
    }

    /// <summary>Aborts an attempt wherever it is; returns true when it had committed (and so was kept).</summary>
    public async Task<bool> AbortAsync(ExchangeSpec exchange, int sinkId, int attemptId, CancellationToken cancellationToken)
    {
        var id = CheckedId(exchange, sinkId, attemptId);
        if (_active.TryGetValue(id, out var attempt))
        {
            attempt.RequestAbort();
            return await attempt.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        if (await IsCommittedAsync(id, cancellationToken).ConfigureAwait(false))
            return true;
        await context.Storage.DeleteDirectoryAsync(context.Layout.AttemptDirectory(id.Exchange, sinkId, attemptId), cancellationToken).ConfigureAwait(false);
        return false;
    }

    private async Task<bool> IsCommittedAsync(SinkAttemptId id, CancellationToken cancellationToken) =>
        await context.TryLoadManifestAsync(id, cancellationToken).ConfigureAwait(false) is not null;

    private SinkAttemptId CheckedId(ExchangeSpec exchange, int sinkId, int attemptId)
    {
        exchange.Validated(context.Options.MaxOutputPartitionCount);
        if (sinkId < 0)
            throw SpoolException.InvalidArgument($"sink id {sinkId} of exchange {exchange.Key} must not be negative");
        if (attemptId < 0)
            throw SpoolException.InvalidArgument($"attempt id {attemptId} of sink {sinkId} of exchange {exchange.Key} must not be negative");
        return new SinkAttemptId(exchange.Key, sinkId, attemptId);
    }
}
