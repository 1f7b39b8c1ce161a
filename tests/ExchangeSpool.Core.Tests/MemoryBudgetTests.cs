using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

public sealed class MemoryBudgetTests
{
    /// <summary>Only bounds a hang; never asserted on.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    [Fact]
    public void TryReserve_WithinLimit_SucceedsAndOverLimit_Fails()
    {
        var budget = new MemoryBudget(100);

        Assert.True(budget.TryReserve(60, MemoryUse.SinkBuffers));
        Assert.True(budget.TryReserve(40, MemoryUse.SinkBuffers));
        Assert.False(budget.TryReserve(1, MemoryUse.SinkBuffers));
        Assert.Equal(100, budget.Used);
        budget.Release(1, MemoryUse.SinkBuffers);
        Assert.True(budget.TryReserve(1, MemoryUse.SinkBuffers));
        Assert.Equal(100, budget.Used);
    }

    [Fact]
    public async Task ReserveAsync_OverLimit_WaitsUntilRelease()
    {
        var budget = new MemoryBudget(100);
        Assert.True(budget.TryReserve(80, MemoryUse.SinkBuffers));

        var waiter = budget.ReserveAsync(30, MemoryUse.SinkBuffers, CancellationToken.None).AsTask();

        Assert.False(waiter.IsCompleted);
        Assert.True(budget.HasWaiters);
        budget.Release(10, MemoryUse.SinkBuffers);
        await waiter.WaitAsync(HangGuard);
        Assert.Equal(100, budget.Used);
        Assert.False(budget.HasWaiters);
    }

    [Fact]
    public async Task ReserveAsync_BigWaiterAtHead_IsNotOvertakenBySmallOne()
    {
        var budget = new MemoryBudget(100);
        Assert.True(budget.TryReserve(80, MemoryUse.SinkBuffers));
        var big = budget.ReserveAsync(50, MemoryUse.SinkBuffers, CancellationToken.None).AsTask();
        var small = budget.ReserveAsync(10, MemoryUse.SinkBuffers, CancellationToken.None).AsTask();

        // 10 would fit now, but it queues behind the big one; so does a TryReserve.
        Assert.False(small.IsCompleted);
        Assert.False(budget.TryReserve(10, MemoryUse.SinkBuffers));
        budget.Release(30, MemoryUse.SinkBuffers);
        await big.WaitAsync(HangGuard);
        Assert.False(small.IsCompleted);
        Assert.Equal(100, budget.Used);

        budget.Release(10, MemoryUse.SinkBuffers);
        await small.WaitAsync(HangGuard);
        Assert.Equal(100, budget.Used);
    }

    [Fact]
    public async Task ReserveAsync_CancelledWaiterAtHead_LetsThoseBehindThrough()
    {
        var budget = new MemoryBudget(100);
        Assert.True(budget.TryReserve(80, MemoryUse.SinkBuffers));
        using var cancel = new CancellationTokenSource();
        var big = budget.ReserveAsync(50, MemoryUse.SinkBuffers, cancel.Token).AsTask();
        var small = budget.ReserveAsync(20, MemoryUse.SinkBuffers, CancellationToken.None).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => big.WaitAsync(HangGuard));
        await small.WaitAsync(HangGuard);
        Assert.Equal(100, budget.Used);
        Assert.False(budget.HasWaiters);
    }

    [Fact]
    public async Task ReserveAsync_AlreadyCancelledToken_ReservesNothing()
    {
        var budget = new MemoryBudget(100);
        Assert.True(budget.TryReserve(100, MemoryUse.SinkBuffers));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => budget.ReserveAsync(10, MemoryUse.SinkBuffers, new CancellationToken(canceled: true)).AsTask().WaitAsync(HangGuard));

        budget.Release(100, MemoryUse.SinkBuffers);
        Assert.Equal(0, budget.Used);
        Assert.True(budget.TryReserve(100, MemoryUse.SinkBuffers));
    }

    [Fact]
    public async Task Reserve_LargerThanLimit_FailsResourceExhaustedNamingSetting()
    {
        var budget = new MemoryBudget(100);

        var message = Errors.Expect(SpoolErrorCode.ResourceExhausted, () => budget.TryReserve(101, MemoryUse.SinkBuffers));
        Assert.Contains("exchange.spool.memory-limit", message);
        message = await Errors.ExpectAsync(SpoolErrorCode.ResourceExhausted, async () => await budget.ReserveAsync(101, MemoryUse.SinkBuffers, CancellationToken.None));
        Assert.Contains("exchange.spool.memory-limit", message);
        Assert.Equal(0, budget.Used);
    }

    [Fact]
    public void Release_MoreThanReserved_Throws()
    {
        var budget = new MemoryBudget(100);
        Assert.True(budget.TryReserve(10, MemoryUse.SinkBuffers));

        Assert.Throws<InvalidOperationException>(() => budget.Release(11, MemoryUse.SinkBuffers));
    }

    [Fact]
    public void Release_MoreThanReserved_LeavesBudgetUnchanged()
    {
        var budget = new MemoryBudget(100);
        Assert.True(budget.TryReserve(10, MemoryUse.SinkBuffers));

        Assert.Throws<InvalidOperationException>(() => budget.Release(11, MemoryUse.SinkBuffers));

        Assert.Equal(10, budget.Used);
        Assert.False(budget.TryReserve(91, MemoryUse.SinkBuffers));
    }
}
