using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

/// <summary>Who gives memory back, in what order, when others wait for it.</summary>
public sealed class MemoryReclaimerTests : IDisposable
{
    private static readonly TimeSpan StallTime = TimeSpan.FromSeconds(1);

    private readonly ManualClock _clock = new();
    private readonly MemoryBudget _budget = new(100, readAheadLimit: 50);
    private readonly MemoryReclaimer _reclaimer;
    private readonly List<string> _reclaimed = [];
    private readonly CancellationTokenSource _endOfTest = new();

    public MemoryReclaimerTests()
    {
        _reclaimer = new MemoryReclaimer(_budget, _clock, StallTime);
        _clock.Advance(TimeSpan.FromMinutes(1));
    }

    /// <summary>A stream that last moved <paramref name="stalledFor"/> ago (null: moving now) and gives back <paramref name="holds"/> bytes once.</summary>
    private void Stream(string name, MemoryUse use, TimeSpan? stalledFor, long holds)
    {
        var stalledSince = stalledFor is { } duration ? _clock.GetTimestamp() - duration.Ticks : long.MaxValue;
        _reclaimer.Register(new FakeStream(name, use, stalledSince, holds, _reclaimed));
    }

    /// <summary>Fills the budget and queues a sink waiting for <paramref name="bytes"/>.</summary>
    private void WaitForSinkMemory(long bytes)
    {
        Assert.True(_budget.TryReserve(_budget.Limit - _budget.Used, MemoryUse.SinkBuffers));
        _ = _budget.ReserveAsync(bytes, MemoryUse.SinkBuffers, _endOfTest.Token).AsTask();
    }

    [Fact]
    public void Waiter_TakesStalledReadAheadBeforeIdleSinkBuffers()
    {
        Stream("idle sink", MemoryUse.SinkBuffers, TimeSpan.FromSeconds(9), holds: 30);
        Stream("stalled source", MemoryUse.ReadAhead, TimeSpan.FromSeconds(2), holds: 30);

        WaitForSinkMemory(30);

        Assert.Equal(["stalled source"], _reclaimed);
    }

    [Fact]
    public void Waiter_TakesTheLongestStalledFirst_AndStopsOnceItsRequestIsCovered()
    {
        Stream("stalled 2s", MemoryUse.ReadAhead, TimeSpan.FromSeconds(2), holds: 20);
        Stream("stalled 5s", MemoryUse.ReadAhead, TimeSpan.FromSeconds(5), holds: 20);
        Stream("stalled 3s", MemoryUse.ReadAhead, TimeSpan.FromSeconds(3), holds: 20);
        Stream("idle sink", MemoryUse.SinkBuffers, TimeSpan.FromSeconds(9), holds: 20);

        WaitForSinkMemory(30);

        Assert.Equal(["stalled 5s", "stalled 3s"], _reclaimed);
    }

    [Fact]
    public void Waiter_TakesIdleSinkBuffersWhenReadAheadIsNotEnough()
    {
        Stream("idle 2s", MemoryUse.SinkBuffers, TimeSpan.FromSeconds(2), holds: 10);
        Stream("stalled source", MemoryUse.ReadAhead, TimeSpan.FromSeconds(2), holds: 10);
        Stream("idle 4s", MemoryUse.SinkBuffers, TimeSpan.FromSeconds(4), holds: 10);

        WaitForSinkMemory(30);

        Assert.Equal(["stalled source", "idle 4s", "idle 2s"], _reclaimed);
    }

    [Fact]
    public void Waiter_LeavesStreamsThatMovedWithinTheStallTime()
    {
        Stream("moving source", MemoryUse.ReadAhead, StallTime / 2, holds: 30);
        Stream("sink taking a message", MemoryUse.SinkBuffers, stalledFor: null, holds: 30);

        WaitForSinkMemory(30);

        Assert.Empty(_reclaimed);
    }

    [Fact]
    public void NobodyWaiting_NothingIsReclaimed()
    {
        Stream("stalled source", MemoryUse.ReadAhead, TimeSpan.FromSeconds(5), holds: 30);

        Assert.True(_budget.TryReserve(100, MemoryUse.SinkBuffers));

        Assert.Empty(_reclaimed);
    }

    [Fact]
    public void StreamThatStallsWhileSomeoneWaits_IsReclaimedOnceItsStallTimeHasPassed()
    {
        Stream("stalls later", MemoryUse.ReadAhead, TimeSpan.Zero, holds: 30);
        WaitForSinkMemory(30);
        Assert.Empty(_reclaimed);

        _clock.Advance(StallTime);

        Assert.Equal(["stalls later"], _reclaimed);
    }

    public void Dispose()
    {
        _endOfTest.Cancel();
        _endOfTest.Dispose();
        _reclaimer.Dispose();
    }

    private sealed class FakeStream(string name, MemoryUse use, long stalledSince, long holds, List<string> log) : IReclaimable
    {
        private long _holds = holds;

        public MemoryUse Use => use;

        public long StalledSince => stalledSince;

        public long Reclaim()
        {
            if (_holds == 0)
                return 0;
            lock (log)
                log.Add(name);
            return Interlocked.Exchange(ref _holds, 0);
        }
    }
}
