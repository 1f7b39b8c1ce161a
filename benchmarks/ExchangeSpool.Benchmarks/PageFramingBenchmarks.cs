using System.Buffers;
using BenchmarkDotNet.Attributes;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Sinks;

namespace ExchangeSpool.Benchmarks;

/// <summary>
/// The sink hot path: <see cref="SinkAttempt.AddPagesAsync"/> of 1 MiB batches into 50 partitions,
/// figures per batch. Each iteration opens a fresh attempt, adds <see cref="Batches"/> batches (so
/// every partition's buffer grows but none fills, and no block is sealed or written: the timed part
/// is framing and copying only) and aborts the attempt outside the timed part. The baseline copies
/// the same batches into as many bytes of fresh memory, the least any copying design could do.
/// </summary>
[MemoryDiagnoser]
public class PageFramingBenchmarks
{
    private const int Partitions = 50;
    private const int Batches = 32; // 32 MiB over 50 partitions: about 660 KiB each, below the 1 MiB block

    private TempSpool _spool = null!;
    private ExchangeSpec _exchange = null!;
    private ReadOnlySequence<byte> _batch;
    private byte[] _copyTarget = null!;
    private SinkAttempt? _attempt;
    private int _attemptId;

    [Params(64 * Fixtures.KiB, Fixtures.KiB)]
    public int PageSize { get; set; }

    private int PagesPerBatch => Fixtures.MiB / PageSize;

    [GlobalSetup]
    public void Setup()
    {
        _spool = new TempSpool(Partitions);
        _exchange = _spool.CreateExchange(Partitions);
        var batch = Fixtures.SinkBatch(PageSize, PagesPerBatch, Partitions);
        _batch = new ReadOnlySequence<byte>(batch);
        _copyTarget = new byte[Batches * batch.Length];
        WarmUp();
    }

    /// <summary>
    /// With one invocation an iteration, BenchmarkDotNet's few warm-up calls leave the per-page code
    /// in tier-0 (unoptimized) JIT code. A server runs it at tier 1, so run it until the tiered JIT
    /// has promoted it (30 calls, then a quiet 100 ms for the background compile).
    /// </summary>
    private void WarmUp()
    {
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 40; i++)
            {
                OpenAttempt();
                AddPages().GetAwaiter().GetResult();
                AbortAttempt();
            }
            Thread.Sleep(500);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _spool.Dispose();

    // Untargeted, so the baseline runs under the same job (one invocation an iteration) and gets a ratio.
    [IterationSetup]
    public void OpenAttempt() =>
        _attempt = _spool.Sinks.OpenAsync(_exchange, sinkId: 0, _attemptId++, CancellationToken.None).GetAwaiter().GetResult();

    [IterationCleanup]
    public void AbortAttempt()
    {
        _attempt!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _attempt = null;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batches, Description = "memcpy 1 MiB batch")]
    public void Copy()
    {
        var source = _batch.First.Span;
        for (var i = 0; i < Batches; i++)
            source.CopyTo(_copyTarget.AsSpan(i * source.Length));
    }

    [Benchmark(OperationsPerInvoke = Batches, Description = "AddPagesAsync 1 MiB batch")]
    public async Task AddPages()
    {
        var attempt = _attempt!;
        for (var i = 0; i < Batches; i++)
            await attempt.AddPagesAsync(_batch, PagesPerBatch, CancellationToken.None);
    }
}
