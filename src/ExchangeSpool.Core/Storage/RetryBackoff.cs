namespace ExchangeSpool.Core.Storage;

/// <summary>
/// The wait before a storage request is sent again: a capped exponential with full jitter, which
/// spreads the retries of many writers hit by the same throttling or failover, and the time budget
/// that bounds all attempts of one request together. For any backend's retry policy.
/// </summary>
public readonly struct RetryBackoff(TimeSpan maxRetryTime, TimeProvider? time = null)
{
    private static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly DateTimeOffset _deadline = (time ?? TimeProvider.System).GetUtcNow() + maxRetryTime;

    /// <summary>A random wait between zero and 50 ms × 2^attempt, at most 5 s.</summary>
    public static TimeSpan Delay(int attempt)
    {
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16)));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }

    /// <summary>True when waiting <paramref name="delay"/> more would still end before the time budget runs out.</summary>
    public bool Allows(TimeSpan delay) => _time.GetUtcNow() + delay <= _deadline;
}
