namespace ExchangeSpool.Core.Cleanup;

/// <summary>What one sweep found and did.</summary>
/// <param name="Deleted">Exchanges idle past the age and deleted (closed first), or only found so on a dry run.</param>
/// <param name="Revived">Exchanges found idle whose activity was recorded again between the decision and the deletion: closed, not deleted.</param>
/// <param name="Failed">Exchanges whose deletion failed (the next sweep tries again), with why.</param>
public sealed record OrphanSweep(IReadOnlyList<ExchangeKey> Deleted, IReadOnlyList<ExchangeKey> Revived, IReadOnlyList<(ExchangeKey Exchange, Exception Error)> Failed);

/// <summary>
/// Deletes exchanges that no server has used for a while: those a crashed coordinator never closed.
/// An exchange's age is its newest activity record (<see cref="ExchangeActivity"/>), whichever server
/// wrote it, so an exchange in use anywhere is kept. One in use on this server is never touched. A
/// sweep closes an idle exchange (its tombstone, as a coordinator's close does) before it reads the
/// records a last time and deletes: a user that records activity in between either is seen by that
/// read (the exchange stays, closed) or sees the tombstone and stops. An exchange that was already
/// closed is deleted without writing another tombstone.
/// </summary>
public sealed class OrphanSweeper(SpoolContext context)
{
    /// <summary>Exchanges checked and deleted at once by a sweep.</summary>
    private const int Parallelism = 8;

    /// <summary>Sweeps exchanges whose newest activity is older than <paramref name="idleFor"/>; a dry run only reports them.</summary>
    public async Task<OrphanSweep> SweepAsync(TimeSpan idleFor, bool dryRun, CancellationToken cancellationToken)
    {
        var activity = context.Activity;
        var cutoff = activity.Clock.GetUtcNow() - idleFor;
        var deleted = new List<ExchangeKey>();
        var revived = new List<ExchangeKey>();
        var failed = new List<(ExchangeKey, Exception)>();
        var exchanges = new HashSet<ExchangeKey>();
        await foreach (var exchange in activity.ListRecordedAsync(cancellationToken).ConfigureAwait(false))
            exchanges.Add(exchange);
        await Parallel.ForEachAsync(exchanges, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (exchange, token) =>
            {
                try
                {
                    var outcome = await SweepOneAsync(exchange, cutoff, dryRun, token).ConfigureAwait(false);
                    lock (deleted)
                        (outcome == Outcome.Deleted ? deleted : outcome == Outcome.Revived ? revived : null)?.Add(exchange);
                }
                catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    lock (deleted)
                        failed.Add((exchange, e));
                }
            }).ConfigureAwait(false);
        return new OrphanSweep(deleted, revived, failed);
    }

    /// <summary>
    /// Until cancelled: records again the activity of exchanges in use here every refresh interval
    /// (even with the sweeper off here: other servers may sweep), and, when <c>exchange.spool.orphan-ttl</c>
    /// is set, sweeps exchanges idle that long every <c>exchange.spool.orphan-sweep-interval</c>, the
    /// first time one interval after start. Reports each sweep and each failed refresh; never throws
    /// but for cancellation.
    /// </summary>
    public async Task RunAsync(Action<OrphanSweep> swept, Action<Exception> refreshFailed, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var refreshing = RepeatAsync(context.Activity.RefreshInterval, async token =>
        {
            try
            {
                await context.Activity.RefreshAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                refreshFailed(e);
            }
        }, cancellationToken);
        var sweeping = options.OrphanTtl == TimeSpan.Zero
            ? Task.CompletedTask
            : RepeatAsync(options.OrphanSweepInterval,
                async token => swept(await SweepAsync(options.OrphanTtl, dryRun: false, token).ConfigureAwait(false)), cancellationToken);
        await Task.WhenAll(refreshing, sweeping).ConfigureAwait(false);
    }

    private async Task RepeatAsync(TimeSpan interval, Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, context.Activity.Clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                await work(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task<Outcome> SweepOneAsync(ExchangeKey exchange, DateTimeOffset cutoff, bool dryRun, CancellationToken cancellationToken)
    {
        var activity = context.Activity;
        if (activity.IsInUse(exchange) || !await IsIdleAsync(exchange, cutoff, cancellationToken).ConfigureAwait(false))
            return Outcome.Kept;
        if (dryRun)
            return Outcome.Deleted;
        if (!await context.Tombstones.IsClosedAsync(exchange, cancellationToken).ConfigureAwait(false))
        {
            await context.Tombstones.MarkClosedAsync(exchange, cancellationToken).ConfigureAwait(false);
            if (!await IsIdleAsync(exchange, cutoff, cancellationToken).ConfigureAwait(false))
                return Outcome.Revived;
        }
        if (activity.IsInUse(exchange))
            return Outcome.Revived;
        await context.DeleteExchangeAsync(exchange, cancellationToken).ConfigureAwait(false);
        return Outcome.Deleted;
    }

    private async Task<bool> IsIdleAsync(ExchangeKey exchange, DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        await context.Activity.LastActivityAsync(exchange, cancellationToken).ConfigureAwait(false) is not { } last || last < cutoff;

    private enum Outcome
    {
        Kept,
        Deleted,
        Revived,
    }
}
