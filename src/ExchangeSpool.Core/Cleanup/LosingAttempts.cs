using System.Globalization;
using ExchangeSpool.Core.Sinks;

namespace ExchangeSpool.Core.Cleanup;

/// <summary>
/// Deletes, in the background, the attempts of planned sinks that can no longer be read: every
/// attempt of a sink but its winner (retried and speculative attempts, committed or not, and what a
/// crashed server left mid-write). Attempts this server is still writing are aborted instead, and
/// their owners delete their files. A winner is never touched. One listing per sink, off the data path.
/// </summary>
internal sealed class LosingAttempts(SpoolContext context, SinkRegistry sinks)
{
    private const int ParallelSinks = 8;

    public void Schedule(ExchangeKey exchange, IReadOnlyList<(int SinkId, int AttemptId)> winners)
    {
        if (winners.Count > 0)
            context.Cleanups.Schedule($"losing attempts of sinks {string.Join(',', winners.Select(w => w.SinkId))} of exchange {exchange}",
                token => DeleteAsync(exchange, winners, token));
    }

    public async Task DeleteAsync(ExchangeKey exchange, IReadOnlyList<(int SinkId, int AttemptId)> winners, CancellationToken cancellationToken) =>
        await Parallel.ForEachAsync(winners, new ParallelOptions { MaxDegreeOfParallelism = ParallelSinks, CancellationToken = cancellationToken },
            async (winner, token) => await DeleteLosersAsync(exchange, winner.SinkId, winner.AttemptId, token).ConfigureAwait(false)).ConfigureAwait(false);

    private async Task DeleteLosersAsync(ExchangeKey exchange, int sinkId, int winnerId, CancellationToken cancellationToken)
    {
        var notSelected = new SpoolException(SpoolErrorReason.AttemptNotSelected,
            $"attempt {winnerId} of sink {sinkId} of exchange {exchange} won and was planned; this attempt was aborted and what it wrote deleted");
        sinks.AbortAllBut(new SinkAttemptId(exchange, sinkId, winnerId), notSelected);
        await foreach (var entry in context.Storage.ListAsync(context.Layout.SinkDirectory(exchange, sinkId), cancellationToken).ConfigureAwait(false))
        {
            if (entry.IsDirectory && int.TryParse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var attemptId)
                && attemptId != winnerId && !sinks.IsActive(new SinkAttemptId(exchange, sinkId, attemptId)))
                await context.Storage.DeleteDirectoryAsync(context.Layout.AttemptDirectory(exchange, sinkId, attemptId), cancellationToken).ConfigureAwait(false);
        }
    }
}
