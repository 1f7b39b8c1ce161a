using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Compression;
using ExchangeSpool.Core.Encryption;
using ExchangeSpool.Core.Format;

namespace ExchangeSpool.Benchmarks;

/// <summary>
/// Sealing and opening a 1 MiB block (16 frames of 64 KiB) with each encoding, on data LZ4 shrinks
/// (text-like) and on data it cannot (random, like Trino's compressed and encrypted TASK pages),
/// against a memcpy of the block in the same run. Open includes copying the stored block into the
/// read buffer, as a read from storage would.
/// </summary>
[MemoryDiagnoser]
public class BlockEncodingBenchmarks
{
    public enum Encoding { Crc, Lz4, AesGcm, Lz4AesGcm }

    public enum Data { Compressible, Incompressible }

    private BufferPool _pool = null!;
    private SpoolBuffer _plain = null!;
    private SpoolBuffer _work = null!;
    private SpoolBuffer _read = null!;
    private SpoolBuffer _decompressed = null!;
    private byte[] _copyTarget = null!;
    private BlockSealer _sealer = null!;
    private BlockOpener _opener = null!;
    private BlockCipher? _cipher;
    private SpoolFileBinding _file = null!;
    private byte[] _sealedBlock = null!;
    private BlockHeader _header;

    [Params(Encoding.Crc, Encoding.Lz4, Encoding.AesGcm, Encoding.Lz4AesGcm)]
    public Encoding Option { get; set; }

    [Params(Data.Compressible, Data.Incompressible)]
    public Data Content { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _pool = new BufferPool(new MemoryBudget(16L * Fixtures.MiB), Fixtures.MiB);
        _plain = Rent();
        _work = Rent();
        _read = Rent();
        _decompressed = Rent();
        Fixtures.FillWithFrames(_plain, 64 * Fixtures.KiB);
        if (Content == Data.Compressible)
            MakeCompressible(_plain);
        _copyTarget = new byte[_plain.Length];
        var encrypted = Option is Encoding.AesGcm or Encoding.Lz4AesGcm;
        if (encrypted)
        {
            var keys = new KeyRing(1, new Dictionary<uint, byte[]> { [1] = RandomNumberGenerator.GetBytes(KeyRing.KeySize) });
            _cipher = keys.CreateCipher(1, new ExchangeSpec(new ExchangeKey("bench", "codec"), 1, false, RandomNumberGenerator.GetBytes(ExchangeSpec.SaltSize)));
        }
        var compression = Option is Encoding.Lz4 or Encoding.Lz4AesGcm ? BlockCompression.Lz4 : BlockCompression.None;
        _sealer = new BlockSealer(_pool, compression, _cipher);
        _opener = new BlockOpener(_cipher);
        _file = new SpoolFileBinding(SpoolFileHeader.Create(encrypted ? 1u : null), new SpoolFilePlace(0, 0, 0, 0));

        // One sealed block to open in every iteration of Open.
        RefillWork();
        var sealedBlock = _sealer.Seal(_work, 3, _file, firstBlock: false);
        _sealedBlock = sealedBlock.Bytes.ToArray();
        if (sealedBlock.Scratch is { } scratch)
            _pool.Return(scratch);
        if (!BlockHeader.TryRead(_sealedBlock, 3, encrypted, int.MaxValue, Fixtures.MiB, out _header, out var problem))
            throw new InvalidOperationException(problem);
    }

    [GlobalCleanup]
    public void Cleanup() => _cipher?.Dispose();

    [Benchmark(Baseline = true, Description = "memcpy 1 MiB")]
    public void Copy() => _plain.Payload.CopyTo(_copyTarget);

    /// <summary>Sealing works in place when encrypting, so each iteration starts from a fresh copy of the plain block (a memcpy, included).</summary>
    [Benchmark(Description = "Seal 1 MiB (+memcpy)")]
    public int Seal()
    {
        RefillWork();
        var sealedBlock = _sealer.Seal(_work, 3, _file, firstBlock: false);
        if (sealedBlock.Scratch is { } scratch)
            _pool.Return(scratch);
        return sealedBlock.Bytes.Length;
    }

    [Benchmark(Description = "Open 1 MiB (+memcpy)")]
    public int Open()
    {
        _sealedBlock.AsSpan(BlockHeader.Size).CopyTo(BlockOpener.StoredRegion(_read, _header).Span);
        var plain = _header.IsCompressed ? _decompressed : null;
        if (!_opener.TryOpen(_header, _sealedBlock, _file, _read, plain, out var problem))
            throw new InvalidOperationException(problem);
        return (plain ?? _read).Length;
    }

    private SpoolBuffer Rent() =>
        _pool.TryRent(MemoryUse.SinkBuffers, Fixtures.MiB, out var buffer) ? buffer : throw new InvalidOperationException("the pool refused a 1 MiB buffer");

    private void RefillWork()
    {
        _plain.Payload.CopyTo(_work.Array.AsSpan(SpoolBuffer.HeaderRoom));
        _work.Length = _plain.Length;
        _work.PageCount = _plain.PageCount;
    }

    /// <summary>Text-like content: each frame's bytes after its length field drawn from a few dozen words.</summary>
    private static void MakeCompressible(SpoolBuffer buffer)
    {
        var words = "select sum(l_extendedprice) from lineitem where l_shipdate between date 1994 and 1995 group by l_returnflag "u8.ToArray();
        var random = new Random(7);
        var payload = buffer.Payload;
        for (var frame = 0; frame < payload.Length; frame += 64 * Fixtures.KiB)
        {
            var body = payload.Slice(frame + PageFrames.FrameHeaderSize, 64 * Fixtures.KiB - PageFrames.FrameHeaderSize);
            for (var i = 0; i < body.Length; i += 16)
                words.AsSpan(random.Next(words.Length - 16), Math.Min(16, body.Length - i)).CopyTo(body[i..]);
        }
    }
}
