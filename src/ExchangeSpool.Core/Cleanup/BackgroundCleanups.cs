using System.Collections.Concurrent;

namespace ExchangeSpool.Core.Cleanup;

/// <summary>
/// Storage clean-ups that run after the call that asked for them has answered (deleting a closed
/// exchange, the losing attempts of a planned one, old tombstones, what an aborted sink attempt
/// wrote), so that no caller's deadline depends on a listing, a paced delete or a store that does not
/// answer. Stopping waits for them a while, then cancels them; what they leave stays as garbage that
/// a later clean-up of the same kind, the exchange's deletion or the orphan sweeper removes.
/// </summary>
public sealed class BackgroundCleanups
{
    /// <summary>Keyed by the clean-up's key when it runs once per key, by an object of its own otherwise.</summary>
    private readonly ConcurrentDictionary<object, Task> _pending = new();
    private readonly CancellationTokenSource _giveUp = new();

    /// <summary>Raised with what the clean-up was (its key or description) when one fails; the server logs it.</summary>
    public event Action<string, Exception>? Failed;

    public int PendingCount => _pending.Count;

    /// <summary>Starts <paramref name="cleanup"/> unless a clean-up with the same key is under way.</summary>
    public void Schedule(string key, Func<CancellationToken, Task> cleanup) => Start(key, key, cleanup);

    /// <summary>
    /// Starts <paramref name="cleanup"/> even when one described alike is under way: for a clean-up
    /// whose owner learns of its end only from the clean-up itself, so it must never be skipped.
    /// </summary>
    public void Run(string what, Func<CancellationToken, Task> cleanup) => Start(new object(), what, cleanup);

    private void Start(object key, string what, Func<CancellationToken, Task> cleanup)
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
                Failed?.Invoke(what, e);
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
