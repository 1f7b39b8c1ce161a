using System.Buffers;
using BenchmarkDotNet.Attributes;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Format;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Benchmarks;

/// <summary>
/// Opening blocks, figures per 1 MiB block: <see cref="SpoolFileReader"/> reading and verifying a
/// 16-block spool file that a real sink attempt committed to a temporary directory (file in the page
/// cache), against reading the same bytes with plain positional reads; and the verification alone
/// (header, CRC32C, page frames) over a block in memory, against a memcpy of it.
/// </summary>
[MemoryDiagnoser]
public class BlockOpenBenchmarks
{
    private const int Blocks = 16;
    private const int FrameSize = 64 * Fixtures.KiB; // 16 frames fill a 1 MiB block exactly

    private TempSpool _spool = null!;
    private ExchangeSpec _exchange = null!;
    private StoragePath _path;
    private ManifestFile _file;
    private string _fullPath = null!;
    private byte[] _readBuffer = null!;
    private byte[] _block = null!;
    private byte[] _copyTarget = null!;

    [GlobalSetup]
    public void Setup()
    {
        _spool = new TempSpool();
        var context = _spool.Context;
        var exchange = _exchange = _spool.CreateExchange(partitionCount: 1);
        var pages = Blocks * Fixtures.MiB / FrameSize;
        var batch = new ReadOnlySequence<byte>(Fixtures.SinkBatch(FrameSize - PageFrames.FrameHeaderSize, pages, partitionCount: 1));
        var attempt = _spool.Sinks.OpenAsync(exchange, 0, 0, CancellationToken.None).GetAwaiter().GetResult();
        attempt.AddPagesAsync(batch, pages, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        attempt.FinishAsync(CancellationToken.None).GetAwaiter().GetResult();
        attempt.DisposeAsync().AsTask().GetAwaiter().GetResult();

        var manifest = context.LoadManifestAsync(attempt.Id, CancellationToken.None).GetAwaiter().GetResult();
        _file = manifest.Files.Single();
        if (_file.BlockCount != Blocks)
            throw new InvalidOperationException($"expected {Blocks} blocks, the sink wrote {_file.BlockCount}");
        _path = context.Layout.DataFile(exchange.Key, 0, 0, _file.PartitionId, _file.FileIndex);
        _fullPath = Path.Combine(_spool.Directory, _path.RelativePath);
        _readBuffer = new byte[BlockHeader.Size + Fixtures.MiB];

        // The file's first block, header and payload, for the in-memory variants.
        var bytes = File.ReadAllBytes(_fullPath);
        _block = bytes.AsSpan(SpoolFileHeader.Size, BlockHeader.Size + Fixtures.MiB).ToArray();
        _copyTarget = new byte[_block.Length];
    }

    [GlobalCleanup]
    public void Cleanup() => _spool.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Blocks, Description = "File read 1 MiB blocks (no checks)")]
    public long ReadRaw()
    {
        using var handle = File.OpenHandle(_fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        long position = SpoolFileHeader.Size, total = 0;
        for (var i = 0; i < Blocks; i++)
        {
            var read = RandomAccess.Read(handle, _readBuffer, position);
            position += read;
            total += read;
        }
        return total;
    }

    [Benchmark(OperationsPerInvoke = Blocks, Description = "SpoolFileReader 1 MiB blocks")]
    public async Task<long> ReadVerified()
    {
        long pages = 0;
        var pool = _spool.Context.Pool;
        await using var reader = await SpoolFileReader.OpenAsync(_spool.Context, _exchange, 0, 0, _file, CancellationToken.None);
        while (await reader.ReadBlockAsync(CancellationToken.None) is { } block)
        {
            pages += block.PageCount;
            pool.Return(block);
        }
        return pages;
    }

    [Benchmark(Description = "memcpy 1 MiB block (in memory)")]
    public void CopyInMemory() => _block.CopyTo(_copyTarget, 0);

    [Benchmark(Description = "Verify 1 MiB block (in memory)")]
    public bool VerifyInMemory()
    {
        var span = _block.AsSpan();
        if (!BlockHeader.TryRead(span, 0, encryptedFile: false, Fixtures.MiB, Fixtures.MiB, out var header, out var problem))
            throw new InvalidOperationException(problem);
        var payload = span.Slice(BlockHeader.Size, header.StoredLength);
        return Crc32C.Compute(payload) == header.PayloadCrc && PageFrames.TryValidate(payload, header.PageCount, out _);
    }
}
