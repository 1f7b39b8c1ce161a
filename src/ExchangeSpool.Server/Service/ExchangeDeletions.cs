using System.Collections.Concurrent;
using ExchangeSpool.Core;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server.Service;

/// <summary>
/// Deletes closed exchanges in the background, so CloseExchange answers at once and a deletion
/// (on S3 a listing and paced multi-deletes) never depends on the caller's deadline. Shutdown
/// waits for deletions under way for a while; what is left then stays as garbage of an unclosed
/// exchange.
/// </summary>
internal sealed partial class ExchangeDeletions(ExchangeLifecycle lifecycle, ILogger<ExchangeDeletions> logger)
{
    private readonly ConcurrentDictionary<ExchangeKey, Task> _pending = new();
    private readonly CancellationTokenSource _giveUp = new();

    public int PendingCount => _pending.Count;

    /// <summary>Starts deleting the exchange unless its deletion is already under way.</summary>
    public void Schedule(ExchangeKey key)
    {
        key.Validated();
        var started = new TaskCompletionSource();
        if (!_pending.TryAdd(key, started.Task))
            return;
        _ = Task.Run(async () =>
        {
            try
            {
                await lifecycle.CloseAsync(key, _giveUp.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                DeletionFailed(logger, key.ToString(), e.Message);
            }
            finally
            {
                _pending.TryRemove(key, out _);
                started.SetResult();
            }
        });
    }

    /// <summary>Waits for the deletions under way, at most <paramref name="gracePeriod"/>; then stops them.</summary>
    public async Task DrainAsync(TimeSpan gracePeriod)
    {
        try
        {
            await Task.WhenAll(_pending.Values).WaitAsync(gracePeriod).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            DeletionsLeft(logger, _pending.Count);
            await _giveUp.CancelAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Deleting exchange {Exchange} failed: {Reason}; its files stay until deleted by hand")]
    private static partial void DeletionFailed(ILogger logger, string exchange, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Stopped with {Count} exchange deletions unfinished; their files stay until deleted by hand")]
    private static partial void DeletionsLeft(ILogger logger, int count);
}
