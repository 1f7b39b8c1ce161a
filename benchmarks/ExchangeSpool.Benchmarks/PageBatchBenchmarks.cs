using System.Buffers;
using BenchmarkDotNet.Attributes;
using ExchangeSpool.Protocol;

namespace ExchangeSpool.Benchmarks;

/// <summary>
/// The data-plane gRPC message codec on a 1 MiB batch of 64 KiB pages: parsing slices the pages out
/// without copying them; writing copies them once into the transport's buffer.
/// </summary>
[MemoryDiagnoser]
public class PageBatchBenchmarks
{
    private const int Pages = 16;

    private PageBatch _batch = null!;
    private ReadOnlySequence<byte> _message;
    private byte[] _copyTarget = null!;
    private readonly ArrayBufferWriter<byte> _writer = new(2 * Fixtures.MiB);

    [GlobalSetup]
    public void Setup()
    {
        var frames = Fixtures.SinkBatch(64 * Fixtures.KiB - 8, Pages, partitionCount: 50);
        _batch = new PageBatch { PageCount = Pages, Pages = new ReadOnlySequence<byte>(frames) };
        PageBatch.Write(_batch, _writer);
        _message = new ReadOnlySequence<byte>(_writer.WrittenMemory.ToArray());
        _copyTarget = new byte[frames.Length];
        _writer.ResetWrittenCount();
    }

    [Benchmark(Baseline = true, Description = "memcpy 1 MiB")]
    public void Copy() => _batch.Pages.CopyTo(_copyTarget);

    [Benchmark(Description = "PageBatch.Parse 1 MiB")]
    public PageBatch Parse() => PageBatch.Parse(_message);

    [Benchmark(Description = "PageBatch.Write 1 MiB")]
    public int Write()
    {
        _writer.ResetWrittenCount();
        PageBatch.Write(_batch, _writer);
        return _writer.WrittenCount;
    }
}
