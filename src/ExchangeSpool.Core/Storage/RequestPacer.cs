using System.Diagnostics;

namespace ExchangeSpool.Core.Storage;

/// <summary>Spaces requests evenly at no more than a given rate; callers wait for their slot.</summary>
public sealed class RequestPacer(int requestsPerSecond)
{
    private readonly long _interval = Stopwatch.Frequency / requestsPerSecond;
    private readonly object _lock = new();
    private long _nextSlot;

    public Task WaitAsync(CancellationToken cancellationToken)
    {
        long wait;
        lock (_lock)
        {
            var now = Stopwatch.GetTimestamp();
            var slot = Math.Max(now, _nextSlot);
            _nextSlot = slot + _interval;
            wait = slot - now;
        }
        return wait <= 0 ? Task.CompletedTask : Task.Delay(Stopwatch.GetElapsedTime(0, wait), cancellationToken);
    }
}
