using System.Collections.Concurrent;

namespace ExchangeSpool.Core.Cleanup;

/// <summary>
/// Storage clean-ups that run after the call that asked for them has answered (deleting a closed
/// exchange, the losing attempts of a planned one, old tombstones), so that no caller's deadline
/// depends on a listing or a paced delete. A clean-up already under way for the same key is not
/// started twice. Stopping waits for them a while, then cancels them; what they leave stays as
/// garbage that a later clean-up of the same kind removes.
/// </summary>
public sealed class BackgroundCleanups
{
    private readonly ConcurrentDictionary<string, Task> _pending = new();
    private readonly CancellationTokenSource _giveUp = new();

    /// <summary>Raised with the clean-up's key when one fails; the server logs it.</summary>
    public event Action<string, Exception>? Failed;

    public int PendingCount => _pending.Count;

    /// <summary>Starts <paramref name="cleanup"/> unless a clean-up with the same key is under way.</summary>
    public void Schedule(string key, Func<CancellationToken, Task> cleanup)
    {
        var started = new TaskCompletionSource();
        if (!_pending.TryAdd(key, started.Task))
            return;
        _ = Task.Run(async () =>
        {
            try
            {
                await cleanup(_giveUp.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Failed?.Invoke(key, e);
            }
            finally
            {
                _pending.TryRemove(key, out _);
                started.SetResult();
            }
        });
    }

    /// <summary>Waits for the clean-ups under way, at most <paramref name="gracePeriod"/>; then cancels them and returns how many were left.</summary>
    public async Task<int> DrainAsync(TimeSpan gracePeriod)
    {
        try
        {
            await Task.WhenAll(_pending.Values).WaitAsync(gracePeriod).ConfigureAwait(false);
            return 0;
        }
        catch (TimeoutException)
        {
            var left = _pending.Count;
            await _giveUp.CancelAsync().ConfigureAwait(false);
            return left;
        }
    }
}
