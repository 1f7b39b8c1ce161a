namespace ExchangeSpool.Core.Buffers;

/// <summary>
/// Takes memory back for those who wait for it from streams that stopped moving: first the
/// read-ahead of sources whose consumer has not taken a message for <see cref="StallTime"/> (dropped,
/// and read again once the consumer returns), then the partly filled buffers of sinks that have
/// received nothing for as long (sealed and written early); of each kind the longest stalled first,
/// until what the waiters asked for is on its way back. A stream that moves is never touched, so
/// busy clients never pay for it. It runs when a request starts waiting, and every half stall time
/// while anyone waits, since streams that moved a moment ago may have stalled since.
/// </summary>
public sealed class MemoryReclaimer : IDisposable
{
    public static readonly TimeSpan DefaultStallTime = TimeSpan.FromSeconds(1);

    private readonly MemoryBudget _budget;
    private readonly TimeProvider _clock;
    private readonly long _stallTimestamps;
    private readonly TimeSpan _recheckPeriod;
    private readonly HashSet<IReclaimable> _streams = [];
    private readonly ITimer _recheck;
    private int _recheckArmed;

    public MemoryReclaimer(MemoryBudget budget, TimeProvider clock, TimeSpan stallTime)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(stallTime, TimeSpan.Zero);
        _budget = budget;
        _clock = clock;
        StallTime = stallTime;
        _stallTimestamps = (long)(stallTime.TotalSeconds * clock.TimestampFrequency);
        _recheckPeriod = stallTime / 2;
        _recheck = clock.CreateTimer(static state => ((MemoryReclaimer)state!).OnRecheck(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        budget.Waiting += OnWaiting;
    }

    /// <summary>How long a stream must not have moved before its memory is taken back.</summary>
    public TimeSpan StallTime { get; }

    /// <summary>The clock streams stamp <see cref="IReclaimable.StalledSince"/> with.</summary>
    public long Now => _clock.GetTimestamp();

    internal void Register(IReclaimable stream)
    {
        lock (_streams)
            _streams.Add(stream);
    }

    internal void Unregister(IReclaimable stream)
    {
        lock (_streams)
            _streams.Remove(stream);
    }

    /// <summary>Takes back from stalled streams, in reclaim order, what the waiters ask for; returns the bytes on their way back.</summary>
    internal long ReclaimForWaiters()
    {
        var wanted = _budget.WaitingBytes;
        if (wanted == 0)
            return 0;
        long reclaimed = 0;
        foreach (var (stream, _) in StalledStreams())
        {
            if (reclaimed >= wanted)
                break;
            reclaimed += stream.Reclaim();
        }
        return reclaimed;
    }

    public void Dispose()
    {
        _budget.Waiting -= OnWaiting;
        _recheck.Dispose();
    }

    /// <summary>Streams stalled for at least the stall time: read-ahead before sink buffers, each the longest stalled first.</summary>
    private List<(IReclaimable Stream, long StalledSince)> StalledStreams()
    {
        var stalledBy = Now - _stallTimestamps;
        var stalled = new List<(IReclaimable Stream, long StalledSince)>();
        lock (_streams)
        {
            foreach (var stream in _streams)
            {
                // Read once: a stream may start moving while we look, and the sort needs stable keys.
                var since = stream.StalledSince;
                if (since <= stalledBy)
                    stalled.Add((stream, since));
            }
        }
        stalled.Sort(static (a, b) => a.Stream.Use != b.Stream.Use
            ? (a.Stream.Use == MemoryUse.ReadAhead ? -1 : 1)
            : a.StalledSince.CompareTo(b.StalledSince));
        return stalled;
    }

    private void OnWaiting()
    {
        ReclaimForWaiters();
        if (Interlocked.Exchange(ref _recheckArmed, 1) == 0)
            _recheck.Change(_recheckPeriod, _recheckPeriod);
    }

    private void OnRecheck()
    {
        if (_budget.HasWaiters)
        {
            ReclaimForWaiters();
            return;
        }
        _recheck.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Volatile.Write(ref _recheckArmed, 0);
        // A request that began waiting while we disarmed may have seen the timer still armed.
        if (_budget.HasWaiters && Interlocked.Exchange(ref _recheckArmed, 1) == 0)
            _recheck.Change(_recheckPeriod, _recheckPeriod);
    }
}
