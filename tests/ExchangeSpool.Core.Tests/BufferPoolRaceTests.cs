using ExchangeSpool.Core.Buffers;

namespace ExchangeSpool.Core.Tests;

public sealed class BufferPoolRaceTests
{
    [Fact]
    public async Task RentAsync_RacingWithTheLastReturn_IsNotLeftWaitingWhileMemoryIsParked()
    {
        const int Min = BufferPool.MinPayloadSize;
        for (var i = 0; i < 2_000; i++)
        {
            var pool = new BufferPool(new MemoryBudget(Min + SpoolBuffer.HeaderRoom), Min);
            Assert.True(pool.TryRent(MemoryUse.SinkBuffers, Min, out var held));
            using var start = new Barrier(2);
            var returner = Task.Run(() => { start.SignalAndWait(); pool.Return(held); });
            var renter = Task.Run(async () => { start.SignalAndWait(); return await pool.RentAsync(MemoryUse.SinkBuffers, Min, CancellationToken.None); });
            await returner;
            var done = await Task.WhenAny(renter, Task.Delay(2000));
            Assert.True(done == renter, $"iteration {i}: RentAsync waits forever; parked {pool.ParkedBytes}, used {pool.Budget.Used}, waiters {pool.Budget.HasWaiters}");
        }
    }
}
