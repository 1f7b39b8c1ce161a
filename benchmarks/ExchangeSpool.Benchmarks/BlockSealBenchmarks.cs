using BenchmarkDotNet.Attributes;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Compression;
using ExchangeSpool.Core.Format;

namespace ExchangeSpool.Benchmarks;

/// <summary>Sealing a full 1 MiB block (CRC32C of the payload + the block header) against copying the same bytes.</summary>
[MemoryDiagnoser]
public class BlockSealBenchmarks
{
    private SpoolBuffer _buffer = null!;
    private byte[] _copyTarget = null!;
    private BlockSealer _sealer = null!;
    private SpoolFileBinding _file = null!;

    [GlobalSetup]
    public void Setup()
    {
        var pool = new BufferPool(new MemoryBudget(4L * Fixtures.MiB), Fixtures.MiB);
        if (!pool.TryRent(MemoryUse.SinkBuffers, Fixtures.MiB, out _buffer))
            throw new InvalidOperationException("the pool refused a 1 MiB buffer");
        Fixtures.FillWithFrames(_buffer, 64 * Fixtures.KiB);
        _copyTarget = new byte[_buffer.Length];
        _sealer = new BlockSealer(pool, BlockCompression.None, cipher: null);
        _file = new SpoolFileBinding(SpoolFileHeader.Create(encryptionKeyId: null), new SpoolFilePlace(0, 0, 0, 0));
    }

    [Benchmark(Baseline = true, Description = "memcpy 1 MiB")]
    public void Copy() => _buffer.Payload.CopyTo(_copyTarget);

    [Benchmark(Description = "Seal 1 MiB block")]
    public ReadOnlyMemory<byte> Seal() => _sealer.Seal(_buffer, 7, _file, firstBlock: false).Bytes;

    [Benchmark(Description = "Seal 1 MiB first block (+file header)")]
    public ReadOnlyMemory<byte> SealFirst() => _sealer.Seal(_buffer, 0, _file, firstBlock: true).Bytes;
}
