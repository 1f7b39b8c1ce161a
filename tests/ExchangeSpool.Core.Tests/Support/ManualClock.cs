namespace ExchangeSpool.Core.Tests.Support;

/// <summary>A clock that moves only when the test says so; timers fire, on the test's thread, as it passes their due time.</summary>
public sealed class ManualClock : TimeProvider
{
    private readonly object _lock = new();
    private readonly List<Timer> _timers = [];
    private long _now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _now);

    public void Advance(TimeSpan by)
    {
        Interlocked.Add(ref _now, by.Ticks);
        while (NextDue() is { } timer)
            timer.Fire();
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Timer(this, callback, state);
        timer.Change(dueTime, period);
        lock (_lock)
            _timers.Add(timer);
        return timer;
    }

    private Timer? NextDue()
    {
        lock (_lock)
            return _timers.Where(t => t.DueAt <= GetTimestamp()).MinBy(t => t.DueAt);
    }

    private sealed class Timer(ManualClock clock, TimerCallback callback, object? state) : ITimer
    {
        private long _period = -1;

        /// <summary>When it fires next; long.MaxValue while disarmed.</summary>
        public long DueAt { get; private set; } = long.MaxValue;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            DueAt = dueTime == Timeout.InfiniteTimeSpan ? long.MaxValue : clock.GetTimestamp() + dueTime.Ticks;
            _period = period == Timeout.InfiniteTimeSpan ? -1 : period.Ticks;
            return true;
        }

        public void Fire()
        {
            DueAt = _period > 0 ? DueAt + _period : long.MaxValue;
            callback(state);
        }

        public void Dispose() => DueAt = long.MaxValue;

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
