using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

/// <summary>Read-ahead and sink buffers share one budget, and the sinks' part is theirs alone.</summary>
public sealed class MemoryBudgetShareTests
{
    /// <summary>Only bounds a hang; never asserted on.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    [Fact]
    public void TryReserve_ReadAheadAtItsLimit_FailsWhileSinksStillGetTheRest()
    {
        var budget = new MemoryBudget(100, readAheadLimit: 40);

        Assert.True(budget.TryReserve(40, MemoryUse.ReadAhead));
        Assert.False(budget.TryReserve(1, MemoryUse.ReadAhead));
        Assert.True(budget.TryReserve(60, MemoryUse.SinkBuffers));
        Assert.Equal(100, budget.Used);
        Assert.Equal(40, budget.ReadAheadUsed);
    }

    [Fact]
    public void TryReserve_Sinks_MayUseTheWholeBudgetWhenReadAheadDoesNot()
    {
        var budget = new MemoryBudget(100, readAheadLimit: 40);

        Assert.True(budget.TryReserve(100, MemoryUse.SinkBuffers));
        Assert.False(budget.TryReserve(1, MemoryUse.ReadAhead));
    }

    [Fact]
    public async Task ReserveAsync_ReadAheadWaiterHeldByItsLimit_DoesNotHoldBackSinks()
    {
        var budget = new MemoryBudget(100, readAheadLimit: 40);
        Assert.True(budget.TryReserve(40, MemoryUse.ReadAhead));

        var readAhead = budget.ReserveAsync(10, MemoryUse.ReadAhead, CancellationToken.None).AsTask();

        Assert.False(readAhead.IsCompleted);
        Assert.True(budget.TryReserve(60, MemoryUse.SinkBuffers));
        budget.Release(10, MemoryUse.ReadAhead);
        await readAhead.WaitAsync(HangGuard);
        Assert.Equal(40, budget.ReadAheadUsed);
    }

    [Fact]
    public async Task ReserveAsync_ReadAheadWaiterHeldByTheBudget_IsServedBeforeALaterSink()
    {
        var budget = new MemoryBudget(100, readAheadLimit: 40);
        Assert.True(budget.TryReserve(100, MemoryUse.SinkBuffers));
        var readAhead = budget.ReserveAsync(20, MemoryUse.ReadAhead, CancellationToken.None).AsTask();
        var sink = budget.ReserveAsync(20, MemoryUse.SinkBuffers, CancellationToken.None).AsTask();

        Assert.False(budget.TryReserve(1, MemoryUse.SinkBuffers));
        budget.Release(20, MemoryUse.SinkBuffers);

        await readAhead.WaitAsync(HangGuard);
        Assert.False(sink.IsCompleted);
        budget.Release(20, MemoryUse.SinkBuffers);
        await sink.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task ReserveAsync_SinkWaiter_IsServedBeforeALaterReadAheadWaiter()
    {
        var budget = new MemoryBudget(100, readAheadLimit: 40);
        Assert.True(budget.TryReserve(100, MemoryUse.SinkBuffers));
        var sink = budget.ReserveAsync(20, MemoryUse.SinkBuffers, CancellationToken.None).AsTask();
        var readAhead = budget.ReserveAsync(20, MemoryUse.ReadAhead, CancellationToken.None).AsTask();

        budget.Release(20, MemoryUse.SinkBuffers);

        await sink.WaitAsync(HangGuard);
        Assert.False(readAhead.IsCompleted);
        Assert.Equal(0, budget.ReadAheadUsed);
    }

    [Fact]
    public void Reserve_ReadAheadLargerThanItsLimit_FailsResourceExhausted()
    {
        var budget = new MemoryBudget(100, readAheadLimit: 40);

        Errors.Expect(SpoolErrorCode.ResourceExhausted, () => budget.TryReserve(41, MemoryUse.ReadAhead));
        Assert.True(budget.TryReserve(41, MemoryUse.SinkBuffers));
    }

    [Fact]
    public void HalfReservedForSinks_GivesReadAheadHalf_OrOneLargestReadWhenThatIsMore()
    {
        Assert.Equal(50, MemoryBudget.HalfReservedForSinks(100, largestRead: 30).ReadAheadLimit);
        Assert.Equal(70, MemoryBudget.HalfReservedForSinks(100, largestRead: 70).ReadAheadLimit);
        Assert.Equal(100, MemoryBudget.HalfReservedForSinks(100, largestRead: 130).ReadAheadLimit);
    }
}

/// <summary>Parked buffers change use when they are taken, and read-ahead takes none beyond its limit.</summary>
public sealed class BufferPoolShareTests
{
    private const int Min = BufferPool.MinPayloadSize;
    private const long Charge = Min + SpoolBuffer.HeaderRoom;

    [Fact]
    public void TryRent_ForReadAheadAtItsLimit_LeavesParkedBuffersToSinks()
    {
        var pool = new BufferPool(new MemoryBudget(3 * Charge, readAheadLimit: Charge), Min);
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min, out var sinkBuffer));
        Assert.True(pool.TryRent(MemoryUse.ReadAhead, Min, out _));
        pool.Return(sinkBuffer);

        Assert.False(pool.TryRent(MemoryUse.ReadAhead, Min, out _));
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min, out var again));
        Assert.Same(sinkBuffer, again);
    }

    [Fact]
    public void Return_OfReadAhead_FreesReadAheadRoomWhileTheBufferStaysParked()
    {
        var pool = new BufferPool(new MemoryBudget(2 * Charge, readAheadLimit: Charge), Min);
        Assert.True(pool.TryRent(MemoryUse.ReadAhead, Min, out var block));

        pool.Return(block);

        Assert.Equal(0, pool.Budget.ReadAheadUsed);
        Assert.Equal(Charge, pool.ParkedBytes);
        Assert.True(pool.TryRent(MemoryUse.ReadAhead, Min, out var again));
        Assert.Same(block, again);
        Assert.Equal(Charge, pool.Budget.ReadAheadUsed);
    }

    [Fact]
    public async Task Return_OfASinkBuffer_WhileOnlyReadAheadHeldByItsLimitWaits_ParksIt()
    {
        var pool = new BufferPool(new MemoryBudget(3 * Charge, readAheadLimit: Charge), Min);
        Assert.True(pool.TryRent(MemoryUse.ReadAhead, Min, out var block));
        var waiter = pool.RentAsync(MemoryUse.ReadAhead, Min, CancellationToken.None).AsTask();
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min, out var sinkBuffer));

        pool.Return(sinkBuffer);

        Assert.Equal(Charge, pool.ParkedBytes);
        Assert.False(waiter.IsCompleted);
        pool.Return(block);
        Assert.Same(block, await waiter.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Return_OfASinkBuffer_WhileReadAheadWaitsInItsLimit_HandsTheArrayOverAsReadAhead()
    {
        var pool = new BufferPool(new MemoryBudget(2 * Charge, readAheadLimit: Charge), Min);
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min, out var first));
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min, out _));
        var waiter = pool.RentAsync(MemoryUse.ReadAhead, Min, CancellationToken.None).AsTask();

        pool.Return(first);

        Assert.Same(first, await waiter.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(Charge, pool.Budget.ReadAheadUsed);
        Assert.Equal(2 * Charge, pool.Budget.Used);
    }
}
