using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Planning;
using ExchangeSpool.Core.Sources;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

/// <summary>A source whose consumer stops taking messages: bounded read-ahead, given back when others wait, read again when it returns.</summary>
public sealed class SourceReclaimTests : SpoolTest
{
    private const int Readers = 2;
    private const int Partitions = 3;
    /// <summary>What one block charges the budget: three 16 KiB pages fill a 64 KiB buffer.</summary>
    private const long BlockCharge = BufferPool.MinPayloadSize + SpoolBuffer.HeaderRoom;

    private static readonly SpoolOptions Options = new()
    {
        SinkBufferSize = 64 * 1024,
        MaxPageStorageSize = 64 * 1024,
        SourceConcurrentReaders = Readers,
        MemoryLimit = 4 * SpoolOptions.MiB,
    };

    private readonly ManualClock _clock = new();
    private readonly SpoolHarness _spool;
    private readonly List<TestPage> _written = Pages.Spread(0, Partitions, 240, _ => 16 * 1024);

    public SourceReclaimTests() => _spool = NewSpool(Options, clock: _clock);

    private MemoryBudget Budget => _spool.Context.Budget;

    [Fact]
    public async Task ConsumerStalled_HoldsOneBlockPerReaderAndTheOneBeingSent()
    {
        await using var source = await StalledSourceAsync();
        var sampled = new List<long>();

        // Time for any further read-ahead to show; the bound must hold however long the consumer stalls.
        for (var i = 0; i < 20; i++)
        {
            sampled.Add(Budget.ReadAheadUsed);
            await Task.Delay(10, Ct);
        }

        Assert.Equal((Readers + 1) * BlockCharge, sampled.Max());
    }

    [Fact]
    public async Task ConsumerStalledForTheStallTime_WhileOthersWait_KeepsOnlyTheBlockBeingSent()
    {
        await using var source = await StalledSourceAsync();
        _clock.Advance(MemoryReclaimer.DefaultStallTime);

        using var waiter = new SinkMemoryWaiter(Budget, BlockCharge, Ct);

        await Wait.UntilAsync(() => Budget.ReadAheadUsed == BlockCharge, "the stalled source kept only the block being sent", Ct);
        await waiter.Granted.WaitAsync(Ct);
    }

    [Fact]
    public async Task ConsumerStalledForLessThanTheStallTime_KeepsItsReadAhead()
    {
        await using var source = await StalledSourceAsync();
        _clock.Advance(MemoryReclaimer.DefaultStallTime / 2);
        using var waiter = new SinkMemoryWaiter(Budget, BlockCharge, Ct);

        Assert.Equal(0, _spool.Context.Reclaimer.ReclaimForWaiters());
        Assert.Equal((Readers + 1) * BlockCharge, Budget.ReadAheadUsed);
    }

    [Fact]
    public async Task ConsumerReturnsAfterItsReadAheadWasReclaimed_GetsEveryPageOnceInFileOrder()
    {
        var source = await StalledSourceAsync();
        _clock.Advance(MemoryReclaimer.DefaultStallTime);
        using (var waiter = new SinkMemoryWaiter(Budget, BlockCharge, Ct))
        {
            await waiter.Granted.WaitAsync(Ct);
            await Wait.UntilAsync(() => Budget.ReadAheadUsed == BlockCharge, "the read-ahead was reclaimed", Ct);
        }

        var pages = await source.ResumeAsync();

        var byPartition = Pages.ByPartition(_written, Partitions);
        for (var partition = 0; partition < Partitions; partition++)
            Pages.AssertSame(byPartition[partition], pages.Where(p => Pages.Tag(p).Partition == partition).ToList(), $"partition {partition}");
        Assert.Equal(_written.Count, pages.Count);
        _spool.AssertNoBuffersHeld();
    }

    /// <summary>A source over every partition whose consumer took one message and stalls on the second, once its read-ahead is full.</summary>
    private async Task<StalledSource> StalledSourceAsync()
    {
        var spec = _spool.Exchange("e1", Partitions);
        await _spool.WriteAttemptAsync(spec, 0, 0, _written, Ct, batchBytes: 64 * 1024);
        var handles = await _spool.Planner.PlanAsync(spec, [(0, 0)], Ct);
        var request = new SourceRequest([new SourceExchange(spec, ReadOnlyMemory<byte>.Empty)],
            handles.Select(h => new SourceHandleRef(0, h.PartitionId, h.Files)).ToList());
        var source = new StalledSource(new SourceReader(_spool.Context), request, Ct);
        await source.Stalled.WaitAsync(Ct);
        await Wait.UntilAsync(() => Budget.ReadAheadUsed == (Readers + 1) * BlockCharge, "the read-ahead filled up", Ct);
        return source;
    }

    /// <summary>Reads a source; its consumer copies the pages of each message and does not come back from the second until resumed.</summary>
    private sealed class StalledSource : IAsyncDisposable
    {
        private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _resume = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<byte[]> _pages = [];
        private readonly Task _reading;
        private int _messages;

        public StalledSource(SourceReader reader, SourceRequest request, CancellationToken ct) =>
            _reading = reader.ReadAsync(request, async (block, _) =>
            {
                SpoolHarness.CopyPages(block, _pages);
                if (++_messages == 2)
                {
                    _stalled.SetResult();
                    await _resume.Task;
                }
            }, ct);

        public Task Stalled => _stalled.Task;

        public async Task<List<byte[]>> ResumeAsync()
        {
            _resume.TrySetResult();
            await _reading;
            return _pages;
        }

        public async ValueTask DisposeAsync() => await ResumeAsync();
    }
}
