using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Planning;
using ExchangeSpool.Core.Sources;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

public sealed class SourceReaderTests : SpoolTest
{
    private const sbyte Excluded = -2;

    private static readonly SpoolOptions Options = new()
    {
        SinkBufferSize = 64 * 1024,
        MaxPageStorageSize = 64 * 1024,
        SinkMaxFileSize = 128 * 1024,
        SourceHandleTargetDataSize = 300 * 1024,
        SourceConcurrentReaders = 4,
    };

    /// <summary>Pages of (sink, attempt), all tagged so their origin and sequence can be told apart.</summary>
    private static List<TestPage> Workload(int sink, int attempt, int partitions) =>
        Pages.Spread(sink * 100 + attempt, partitions, 120, i => Pages.TagSize + i * 131 % 9000);

    /// <summary>Writes every attempt and returns the pages of each.</summary>
    private async Task<Dictionary<(int, int), List<TestPage>>> WriteAsync(SpoolHarness spool, ExchangeSpec spec, params (int Sink, int Attempt)[] attempts)
    {
        var written = new Dictionary<(int, int), List<TestPage>>();
        foreach (var (sink, attempt) in attempts)
        {
            written[(sink, attempt)] = Workload(sink, attempt, spec.PartitionCount);
            await spool.WriteAttemptAsync(spec, sink, attempt, written[(sink, attempt)], Ct, batchBytes: 64 * 1024);
        }
        return written;
    }

    private Task<IReadOnlyList<PlannedHandle>> PlanAsync(SpoolHarness spool, ExchangeSpec spec, params (int, int)[] winners) =>
        spool.Planner.PlanAsync(spec, winners, Ct);

    private static SourceRequest Request(params (ExchangeSpec Spec, byte[] Selected, IEnumerable<PlannedHandle> Handles)[] exchanges) =>
        new(exchanges.Select(e => new SourceExchange(e.Spec, e.Selected)).ToList(),
            exchanges.SelectMany((e, index) => e.Handles.Select(h => new SourceHandleRef(index, h.PartitionId, h.Files))).ToList());

    private static byte[] Selector(params sbyte[] attempts) => attempts.Select(a => (byte)a).ToArray();

    private static void AssertSamePageSet(IEnumerable<byte[]> expected, IEnumerable<byte[]> actual)
    {
        var expectedSorted = expected.OrderBy(p => Pages.Tag(p)).ToList();
        var actualSorted = actual.OrderBy(p => Pages.Tag(p)).ToList();
        Pages.AssertSame(expectedSorted, actualSorted, "pages sorted by (sink, partition, sequence)");
    }

    [Fact]
    public async Task Read_AllHandles_ReturnsExactlyTheWinnersPages()
    {
        var spool = NewSpool(Options);
        var spec = spool.Exchange("e1", partitions: 3);
        var written = await WriteAsync(spool, spec, (0, 0), (0, 1), (1, 0), (2, 0));
        var handles = await PlanAsync(spool, spec, (0, 1), (1, 0), (2, 0));
        Assert.Contains(handles, h => h.Files.Count > 1);

        var pages = await spool.ReadSourceAsync(Request((spec, Selector(1, 0, 0), handles)), Ct);

        AssertSamePageSet(written[(0, 1)].Concat(written[(1, 0)]).Concat(written[(2, 0)]).Select(p => p.Payload), pages);
        spool.AssertNoBuffersHeld();
    }

    [Fact]
    public async Task Read_SomeHandles_ReturnsOnlyTheirPartitions()
    {
        var spool = NewSpool(Options);
        var spec = spool.Exchange("e1", partitions: 3);
        var written = await WriteAsync(spool, spec, (0, 0), (1, 0));
        var handles = (await PlanAsync(spool, spec, (0, 0), (1, 0))).Where(h => h.PartitionId == 1).ToList();

        var pages = await spool.ReadSourceAsync(Request((spec, [], handles)), Ct);

        AssertSamePageSet(written.Values.SelectMany(w => w).Where(p => p.Partition == 1).Select(p => p.Payload), pages);
    }

    [Fact]
    public async Task Read_PreserveOrderExchange_PagesOfEachSinkPartitionComeInWriteOrder()
    {
        var spool = NewSpool(Options);
        var spec = spool.Exchange("e1", partitions: 2, preserveOrder: true);
        var written = await WriteAsync(spool, spec, (0, 0), (1, 0), (2, 0), (3, 0));
        var handles = await PlanAsync(spool, spec, (0, 0), (1, 0), (2, 0), (3, 0));

        var pages = await spool.ReadSourceAsync(Request((spec, [], handles)), Ct);

        AssertSamePageSet(written.Values.SelectMany(w => w).Select(p => p.Payload), pages);
        foreach (var group in pages.Select(p => Pages.Tag(p)).GroupBy(t => (t.Sink, t.Partition)))
        {
            var sequences = group.Select(t => t.Sequence).ToList();
            Assert.True(sequences.SequenceEqual(sequences.Order()), $"sink {group.Key.Sink} partition {group.Key.Partition} out of order: {string.Join(",", sequences)}");
        }
    }

    [Fact]
    public async Task Read_HandlesOfTwoExchanges_ReadsBoth()
    {
        var spool = NewSpool(Options);
        var first = spool.Exchange("e1", partitions: 2);
        var second = spool.Exchange("e2", partitions: 3);
        var writtenFirst = await WriteAsync(spool, first, (0, 0));
        var writtenSecond = await WriteAsync(spool, second, (1, 2));

        var pages = await spool.ReadSourceAsync(Request(
            (first, [], await PlanAsync(spool, first, (0, 0))),
            (second, Selector(Excluded, 2), await PlanAsync(spool, second, (1, 2)))), Ct);

        AssertSamePageSet(writtenFirst[(0, 0)].Concat(writtenSecond[(1, 2)]).Select(p => p.Payload), pages);
    }

    [Theory]
    [InlineData((sbyte)1)]
    [InlineData(Excluded)]
    public async Task Read_HandleOfAnAttemptTheSelectorDidNotChoose_FailsFailedPrecondition(sbyte selected)
    {
        var spool = NewSpool(Options);
        var spec = spool.Exchange("e1", partitions: 2);
        await WriteAsync(spool, spec, (0, 0), (0, 1));
        var handles = await PlanAsync(spool, spec, (0, 0));

        var message = await Errors.ExpectAsync(SpoolErrorCode.FailedPrecondition,
            () => spool.ReadSourceAsync(Request((spec, Selector(selected), handles)), Ct));

        Assert.Contains("sink 0", message);
    }

    [Fact]
    public async Task Read_SinkBeyondTheSelector_FailsFailedPrecondition()
    {
        var spool = NewSpool(Options);
        var spec = spool.Exchange("e1", partitions: 2);
        await WriteAsync(spool, spec, (1, 0));

        await Errors.ExpectAsync(SpoolErrorCode.FailedPrecondition,
            async () => await spool.ReadSourceAsync(Request((spec, Selector(0), await PlanAsync(spool, spec, (1, 0)))), Ct));
    }

    [Theory]
    [InlineData(5, 0)]  // a file index the manifest does not list
    [InlineData(0, 1)]  // a listed file with another data size
    public async Task Read_FileNotInTheManifest_FailsFailedPrecondition(int fileIndex, long sizeDelta)
    {
        var spool = NewSpool(Options);
        var spec = spool.Exchange("e1", partitions: 2);
        await WriteAsync(spool, spec, (0, 0));
        var real = (await PlanAsync(spool, spec, (0, 0)))[0];
        var forged = real with { Files = [real.Files[0] with { FileIndex = fileIndex, DataSize = real.Files[0].DataSize + sizeDelta }] };

        var message = await Errors.ExpectAsync(SpoolErrorCode.FailedPrecondition,
            () => spool.ReadSourceAsync(Request((spec, [], [forged])), Ct));

        Assert.Contains($"file {real.PartitionId}_{fileIndex} of sink 0 attempt 0", message);
        spool.AssertNoBuffersHeld();
    }

    [Fact]
    public async Task Read_DamagedFile_FailsDataLossNamingFileAndReturnsAllBuffers()
    {
        var spool = NewSpool(Options);
        var spec = spool.Exchange("e1", partitions: 2);
        await WriteAsync(spool, spec, (0, 0), (1, 0));
        var damaged = spool.FullPath(spool.DataFile(spec, 1, 0, 1, 0));
        var bytes = await File.ReadAllBytesAsync(damaged, Ct);
        bytes[^10] ^= 0x20;
        await File.WriteAllBytesAsync(damaged, bytes, Ct);

        var message = await Errors.ExpectAsync(SpoolErrorCode.DataLoss,
            async () => await spool.ReadSourceAsync(Request((spec, [], await PlanAsync(spool, spec, (0, 0), (1, 0)))), Ct));

        Assert.Contains(spool.DataFile(spec, 1, 0, 1, 0).RelativePath, message);
        Assert.Equal(spool.Context.Pool.ParkedBytes, spool.Context.Budget.Used);
    }

    [Fact]
    public async Task Read_DamagedFile_NeverCancelsAWriteInProgress()
    {
        var spool = NewSpool(Options);
        var spec = spool.Exchange("e1", partitions: 2);
        await WriteAsync(spool, spec, (0, 0), (1, 0));
        var damaged = spool.FullPath(spool.DataFile(spec, 1, 0, 1, 0));
        var bytes = await File.ReadAllBytesAsync(damaged, Ct);
        bytes[^10] ^= 0x20;
        await File.WriteAllBytesAsync(damaged, bytes, Ct);
        var request = Request((spec, [], await PlanAsync(spool, spec, (0, 0), (1, 0))));
        var writesCancelled = 0;

        await Errors.ExpectAsync(SpoolErrorCode.DataLoss, () => new SourceReader(spool.Context).ReadAsync(request, async (_, token) =>
        {
            // A slow consumer: the damaged file fails while this write is under way.
            await Task.Delay(20, CancellationToken.None);
            if (token.IsCancellationRequested)
                Interlocked.Increment(ref writesCancelled);
        }, Ct));

        Assert.Equal(0, writesCancelled);
    }
}
