using ExchangeSpool.Core.Buffers;

namespace ExchangeSpool.Core.Tests;

public sealed class BufferPoolTests
{
    private const int Min = BufferPool.MinPayloadSize;

    /// <summary>What the budget is charged for a buffer of <paramref name="payload"/> bytes.</summary>
    private static long Charge(int payload) => payload + SpoolBuffer.HeaderRoom;

    [Fact]
    public void CapacityFor_RoundsUpToPowersOfTwoFrom64KiB()
    {
        var pool = new BufferPool(new MemoryBudget(long.MaxValue), 1_000_000);

        Assert.Equal(1 << 20, pool.MaxPayloadSize);
        Assert.Equal(Min, pool.CapacityFor(0));
        Assert.Equal(Min, pool.CapacityFor(1));
        Assert.Equal(Min, pool.CapacityFor(Min));
        Assert.Equal(2 * Min, pool.CapacityFor(Min + 1));
        Assert.Equal(1 << 20, pool.CapacityFor((1 << 19) + 1));
        Assert.Equal(1 << 20, pool.CapacityFor(1 << 20));
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.CapacityFor((1 << 20) + 1));
        Assert.Equal(Min, new BufferPool(new MemoryBudget(long.MaxValue), 1000).MaxPayloadSize);
    }

    [Fact]
    public void TryRent_ChargesTheBudgetForPayloadAndHeaderRoom()
    {
        var pool = new BufferPool(new MemoryBudget(long.MaxValue), 1 << 20);

        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, 100_000, out var buffer));

        Assert.Equal(2 * Min, buffer.PayloadCapacity);
        Assert.Equal(0, buffer.Length);
        Assert.Equal(Charge(2 * Min), buffer.Array.Length);
        Assert.Equal(Charge(2 * Min), pool.Budget.Used);
    }

    [Fact]
    public void Return_WithoutWaiters_ParksBufferForReuse()
    {
        var pool = new BufferPool(new MemoryBudget(long.MaxValue), 1 << 20);
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min, out var buffer));
        buffer.Length = 10;
        buffer.PageCount = 1;

        pool.Return(buffer);

        Assert.Equal(Charge(Min), pool.ParkedBytes);
        Assert.Equal(Charge(Min), pool.Budget.Used);
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min - 1, out var again));
        Assert.Same(buffer, again);
        Assert.Equal(0, again.Length);
        Assert.Equal(0, again.PageCount);
        Assert.Equal(0, pool.ParkedBytes);
        Assert.Equal(Charge(Min), pool.Budget.Used);
    }

    [Fact]
    public async Task Return_WhileSomeoneWaits_ReleasesMemoryAndWakesWaiter()
    {
        var pool = new BufferPool(new MemoryBudget(2 * Charge(Min)), 1 << 20);
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min, out var first));
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min, out _));

        var waiter = pool.RentAsync(MemoryUse.SinkBuffers, Min, CancellationToken.None).AsTask();
        Assert.False(waiter.IsCompleted);
        pool.Return(first);

        var rented = await waiter.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Min, rented.PayloadCapacity);
        Assert.Equal(0, pool.ParkedBytes);
        Assert.Equal(2 * Charge(Min), pool.Budget.Used);
    }

    [Fact]
    public void TryRent_BudgetSpent_FailsUntilParkedBuffersOfAnotherSizeAreDropped()
    {
        var pool = new BufferPool(new MemoryBudget(2 * Charge(Min)), 1 << 20);
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min, out var a));
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min, out var b));

        Assert.False(pool.TryRent(MemoryUse.SinkBuffers, Min, out _));
        Assert.Equal(2 * Charge(Min), pool.Budget.Used);

        pool.Return(a);
        pool.Return(b);
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, 2 * Min, out var larger));

        Assert.Equal(2 * Min, larger.PayloadCapacity);
        Assert.Equal(0, pool.ParkedBytes);
        Assert.Equal(Charge(2 * Min), pool.Budget.Used);
    }

    [Fact]
    public async Task RentPairAsync_BudgetSpent_WaitsForBothWithoutHoldingEither()
    {
        var pool = new BufferPool(new MemoryBudget(2 * Charge(Min)), Min);
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min, out var held));

        var pair = pool.RentPairAsync(MemoryUse.SinkBuffers, Min, Min, CancellationToken.None).AsTask();

        Assert.False(pair.IsCompleted);
        Assert.Equal(Charge(Min), pool.Budget.Used);
        pool.Return(held);
        var (first, second) = await pair.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotSame(first, second);
        Assert.Equal(2 * Charge(Min), pool.Budget.Used);
    }

    [Fact]
    public async Task Return_WhileSomeoneWaitsForThatSize_HandsTheSameArrayOverWithItsBytes()
    {
        var pool = new BufferPool(new MemoryBudget(Charge(2 * Min)), 1 << 20);
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, 2 * Min, out var held));
        var waiter = pool.RentAsync(MemoryUse.SinkBuffers, 2 * Min, CancellationToken.None).AsTask();

        pool.Return(held);

        var rented = await waiter.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Same(held.Array, rented.Array);
        Assert.Equal(Charge(2 * Min), pool.Budget.Used);
    }

    [Fact]
    public async Task RentAsync_WhileWaiting_TakesAReturnedBufferOfAnySizeBetweenItsMinimumAndPreference()
    {
        var pool = new BufferPool(new MemoryBudget(Charge(4 * Min)), 1 << 20);
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, 2 * Min, out var middle));
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min, out var small));
        var waiter = pool.RentAsync(MemoryUse.SinkBuffers, Min + 1, 4 * Min, CancellationToken.None).AsTask();

        pool.Return(small);
        Assert.False(waiter.IsCompleted);
        pool.Return(middle);

        var rented = await waiter.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Same(middle.Array, rented.Array);
        Assert.Equal(Charge(2 * Min), pool.Budget.Used);
    }

    [Fact]
    public void TryRent_NoRoomForThePreferredSize_TakesAParkedSmallerOneThatFits()
    {
        var pool = new BufferPool(new MemoryBudget(Charge(4 * Min)), 1 << 20);
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, 2 * Min, out var middle));
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min, out var small));
        pool.Return(middle);
        pool.Return(small);

        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min + 1, 4 * Min, out var rented));

        Assert.Same(middle.Array, rented.Array);
        Assert.Equal(Charge(Min), pool.ParkedBytes);
    }

    [Fact]
    public async Task Return_WhileAWaiterOfAnotherSizeWaits_ReleasesTheBytesSoTheWaiterAllocates()
    {
        var pool = new BufferPool(new MemoryBudget(2 * Charge(Min)), 1 << 20);
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min, out var first));
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min, out var second));
        var waiter = pool.RentAsync(MemoryUse.SinkBuffers, 2 * Min, CancellationToken.None).AsTask();

        pool.Return(first);
        Assert.False(waiter.IsCompleted);
        pool.Return(second);

        var rented = await waiter.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2 * Min, rented.PayloadCapacity);
        Assert.Equal(Charge(2 * Min), pool.Budget.Used);
        Assert.Equal(0, pool.ParkedBytes);
    }

    [Fact]
    public async Task Return_WhenTheWaiterAtTheHeadWasCancelled_HandsTheBufferToTheNextWaiter()
    {
        var pool = new BufferPool(new MemoryBudget(Charge(Min)), 1 << 20);
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min, out var held));
        using var cancel = new CancellationTokenSource();
        var cancelled = pool.RentAsync(MemoryUse.SinkBuffers, Min, cancel.Token).AsTask();
        var next = pool.RentAsync(MemoryUse.SinkBuffers, Min, CancellationToken.None).AsTask();

        await cancel.CancelAsync();
        pool.Return(held);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Same(held.Array, (await next.WaitAsync(TimeSpan.FromSeconds(30))).Array);
        Assert.Equal(Charge(Min), pool.Budget.Used);
    }

    [Fact]
    public void TryRent_NoRoomAndOnlyLargerBuffersParked_TakesTheSmallestOfThem()
    {
        var pool = new BufferPool(new MemoryBudget(Charge(2 * Min) + Charge(4 * Min)), 1 << 20);
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, 4 * Min, out var largest));
        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, 2 * Min, out var larger));
        pool.Return(largest);
        pool.Return(larger);

        Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min, out var rented));

        Assert.Same(larger.Array, rented.Array);
    }
}
