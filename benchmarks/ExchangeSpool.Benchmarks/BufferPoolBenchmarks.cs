using System.Buffers;
using BenchmarkDotNet.Attributes;
using ExchangeSpool.Core.Buffers;

namespace ExchangeSpool.Benchmarks;

/// <summary>Renting and returning a pooled buffer (steady state: the pool has one parked) against the shared ArrayPool.</summary>
[MemoryDiagnoser]
public class BufferPoolBenchmarks
{
    private BufferPool _pool = null!;

    [Params(64 * Fixtures.KiB, Fixtures.MiB)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _pool = new BufferPool(new MemoryBudget(64L * Fixtures.MiB), 16 * Fixtures.MiB);
        RentAndReturn(); // parks one buffer of the size class, as a running server has
        ArrayPool<byte>.Shared.Return(ArrayPool<byte>.Shared.Rent(Size));
    }

    [Benchmark(Baseline = true, Description = "ArrayPool.Shared Rent+Return")]
    public void ArrayPoolRentReturn() => ArrayPool<byte>.Shared.Return(ArrayPool<byte>.Shared.Rent(Size));

    [Benchmark(Description = "BufferPool TryRent+Return")]
    public void RentAndReturn()
    {
        if (!_pool.TryRent(MemoryUse.SinkBuffers, Size, out var buffer))
            throw new InvalidOperationException("the pool refused a buffer");
        _pool.Return(buffer);
    }
}
