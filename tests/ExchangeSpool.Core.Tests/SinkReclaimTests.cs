using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

/// <summary>A sink whose writer stopped sending: its partly filled buffers are written out when others wait for memory.</summary>
public sealed class SinkReclaimTests : SpoolTest
{
    private const int Partitions = 5;

    private static readonly SpoolOptions Options = new()
    {
        SinkBufferSize = 256 * 1024,
        MaxPageStorageSize = 64 * 1024,
        MemoryLimit = 4 * SpoolOptions.MiB,
    };

    private readonly ManualClock _clock = new();
    private readonly SpoolHarness _spool;
    private readonly List<TestPage> _written = Pages.Spread(0, Partitions, 50, _ => 4 * 1024);

    public SinkReclaimTests() => _spool = NewSpool(Options, clock: _clock);

    private MemoryBudget Budget => _spool.Context.Budget;

    /// <summary>Budget bytes the sink holds in buffers (whatever is not parked and not the test's own reservation).</summary>
    private long HeldBySink(long reservedByTest) => Budget.Used - _spool.Context.Pool.ParkedBytes - reservedByTest;

    [Fact]
    public async Task IdleSinkForTheStallTime_WhileOthersWait_WritesItsPartlyFilledBuffersAndHoldsNone()
    {
        var spec = _spool.Exchange("e1", Partitions);
        await using var attempt = await _spool.Registry.OpenAsync(spec, 0, 0, Ct);
        await SpoolHarness.AddPagesAsync(attempt, _written, Ct);
        Assert.True(HeldBySink(0) > 0);
        _clock.Advance(MemoryReclaimer.DefaultStallTime);

        using (var waiter = new SinkMemoryWaiter(Budget, BufferPool.MinPayloadSize, Ct))
        {
            await waiter.Granted.WaitAsync(Ct);
            await Wait.UntilAsync(() => HeldBySink(waiter.Holds) == 0, "the idle sink's buffers were written and freed", Ct);
        }
        await attempt.FinishAsync(Ct);
        var read = await _spool.ReadAttemptAsync(spec, 0, 0, Ct);
        var expected = Pages.ByPartition(_written, Partitions);
        for (var partition = 0; partition < Partitions; partition++)
            Pages.AssertSame(expected[partition], read[partition], $"partition {partition}");
    }

    [Fact]
    public async Task SinkIdleForLessThanTheStallTime_KeepsItsBuffers()
    {
        var spec = _spool.Exchange("e1", Partitions);
        await using var attempt = await _spool.Registry.OpenAsync(spec, 0, 0, Ct);
        await SpoolHarness.AddPagesAsync(attempt, _written, Ct);
        var held = HeldBySink(0);
        _clock.Advance(MemoryReclaimer.DefaultStallTime / 2);

        using var waiter = new SinkMemoryWaiter(Budget, BufferPool.MinPayloadSize, Ct);

        Assert.Equal(0, _spool.Context.Reclaimer.ReclaimForWaiters());
        Assert.Equal(held, HeldBySink(waiter.Holds));
    }
}
