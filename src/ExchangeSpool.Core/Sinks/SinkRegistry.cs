using System.Collections.Concurrent;
using ExchangeSpool.Core.Cleanup;

namespace ExchangeSpool.Core.Sinks;

/// <summary>
/// The attempts this server is writing now, or whose storage clean-up after an abort still runs, so
/// that an abort from another call reaches the stream that owns the attempt, and a second stream for
/// the same attempt is refused (it would write files that the clean-up then deletes).
/// </summary>
public sealed class SinkRegistry(SpoolContext context)
{
    private readonly ConcurrentDictionary<SinkAttemptId, SinkAttempt> _active = new();

    public int ActiveCount => _active.Count;

    /// <summary>
    /// Registers the attempt first and checks storage second: while it is registered no other stream of
    /// this server can commit it, so a commit cannot slip in between the check and the first write;
    /// and a close that lands after the check finds it registered and aborts it.
    /// </summary>
    public async Task<SinkAttempt> OpenAsync(ExchangeSpec exchange, int sinkId, int attemptId, CancellationToken cancellationToken)
    {
        var id = CheckedId(exchange, sinkId, attemptId);
        if (attemptId > SinkAttemptId.MaxSelectableAttemptId)
            throw SpoolException.InvalidArgument(
                $"attempt id {attemptId} of sink {sinkId} of exchange {exchange.Key} is above the limit {SinkAttemptId.MaxSelectableAttemptId}: an output selector byte holds 0..{SinkAttemptId.MaxSelectableAttemptId}");
        // In use here from before the attempt is registered until it ended (its owner disposed it and its storage clean-up is over): this server's sweeper never takes its exchange.
        var use = context.Activity.Enter(exchange);
        var attempt = new SinkAttempt(context, exchange, id, a =>
        {
            _active.TryRemove(new KeyValuePair<SinkAttemptId, SinkAttempt>(a.Id, a));
            use.Dispose();
        });
        if (!_active.TryAdd(id, attempt))
        {
            use.Dispose();
            // The files in that attempt's directory are the other stream's: leave them alone.
            await attempt.DiscardUnusedAsync().ConfigureAwait(false);
            throw new SpoolException(SpoolErrorReason.AttemptBusy, _active.TryGetValue(id, out var other) && other.State == SinkAttemptState.Aborted
                ? $"{id} was aborted and the deletion of what it wrote still runs; it cannot be written again until that ends"
                : $"{id} is already being written by another stream");
        }
        try
        {
            // Recorded before the checks below, so that another server's sweeper either sees the record or closed the exchange before them.
            await context.Activity.RecordAsync(exchange, $"{id} cannot be written", cancellationToken).ConfigureAwait(false);
            var closed = context.Tombstones.IsClosedAsync(id.Exchange, cancellationToken).AsTask();
            var committed = IsCommittedAsync(id, cancellationToken);
            await Task.WhenAll(closed, committed).ConfigureAwait(false);
            if (closed.Result)
                throw ExchangeTombstones.Closed(id.Exchange, $"{id} cannot be written");
            if (committed.Result)
                throw new SpoolException(SpoolErrorReason.AttemptCommitted, $"{id} is already committed; a committed attempt cannot be written again");
        }
        catch (Exception e)
        {
            _active.TryRemove(new KeyValuePair<SinkAttemptId, SinkAttempt>(id, attempt));
            use.Dispose();
            await attempt.DiscardUnusedAsync().ConfigureAwait(false);
            if (e is SpoolException { Reason: SpoolErrorReason.StorageUnavailable or SpoolErrorReason.StorageFull } storage)
                throw storage.While($"{id} was opening (recording its exchange's activity, checking that the exchange is not closed and that the attempt is not committed yet)");
            throw;
        }
        return attempt;
    }

    /// <summary>
    /// Aborts an attempt wherever it is; returns true when it had committed (and so was kept). For an
    /// attempt of this server it waits for the outcome, not for the storage clean-up that follows: the
    /// caller needs to know whether the attempt committed, which is settled once it aborted, and its
    /// answer must not wait for a store that does not answer. The clean-up keeps the attempt
    /// registered (so no stream writes it again meanwhile) and the exchange's deletion waits for it.
    /// </summary>
    public async Task<bool> AbortAsync(ExchangeSpec exchange, int sinkId, int attemptId, CancellationToken cancellationToken)
    {
        var id = CheckedId(exchange, sinkId, attemptId);
        if (_active.TryGetValue(id, out var attempt))
        {
            attempt.RequestAbort();
            return await attempt.Outcome.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        if (await IsCommittedAsync(id, cancellationToken).ConfigureAwait(false))
            return true;
        await context.Storage.DeleteDirectoryAsync(context.Layout.AttemptDirectory(id.Exchange, sinkId, attemptId), cancellationToken).ConfigureAwait(false);
        return false;
    }

    /// <summary>Asks every attempt of the exchange this server is writing to abort; their streams fail with <paramref name="reason"/>.</summary>
    public void AbortAll(ExchangeKey exchange, SpoolException reason) => AbortWhere(id => id.Exchange == exchange, reason);

    /// <summary>Asks every attempt of the winner's sink this server is writing, but the winner, to abort.</summary>
    public void AbortAllBut(SinkAttemptId winner, SpoolException reason) =>
        AbortWhere(id => id.Exchange == winner.Exchange && id.SinkId == winner.SinkId && id.AttemptId != winner.AttemptId, reason);

    public bool IsActive(SinkAttemptId id) => _active.ContainsKey(id);

    private void AbortWhere(Func<SinkAttemptId, bool> selected, SpoolException reason)
    {
        foreach (var attempt in _active.Values)
        {
            if (selected(attempt.Id))
                attempt.RequestAbort(reason);
        }
    }

    /// <summary>
    /// Completes when every attempt of the exchange this server is writing now has committed, or
    /// aborted and ended its storage clean-up: deleting the exchange waits for it, since an attempt
    /// whose clean-up still runs may still abort an upload or delete its directory.
    /// </summary>
    public Task WhenAllEndedAsync(ExchangeKey exchange) =>
        Task.WhenAll(_active.Values.Where(attempt => attempt.Id.Exchange == exchange).Select(attempt => attempt.Completion));

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
