using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Format;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

/// <summary>File rollover and page limits, seen through what SinkAttempt commits.</summary>
public sealed class RolloverTests : SpoolTest
{
    private const int MiB = (int)SpoolOptions.MiB;
    private const int QuarterFrame = 262_140; // + 4-byte frame = 256 KiB: four fill 1 MiB exactly

    private SpoolHarness NewRollingSpool() =>
        NewSpool(new SpoolOptions { SinkMaxFileSize = MiB, MaxPageStorageSize = MiB });

    /// <summary>(partition, file index, pages, data size) of every file, in manifest order.</summary>
    private static (int, int, long, long)[] Shape(CommitManifest manifest) =>
        manifest.Files.Select(f => (f.PartitionId, f.FileIndex, f.PageCount, f.DataSize)).ToArray();

    [Fact]
    public async Task Rollover_PagesCountedAsFourPlusPayload_FourQuarterPagesFillOneFile()
    {
        var spool = NewRollingSpool();
        var spec = spool.Exchange("e1", partitions: 1);
        var pages = Pages.Spread(0, 1, 9, _ => QuarterFrame);

        var manifest = await spool.WriteAttemptAsync(spec, 0, 0, pages, Ct);

        Assert.Equal([(0, 0, 4L, (long)MiB), (0, 1, 4L, (long)MiB), (0, 2, 1L, MiB / 4L)], Shape(manifest));
        Pages.AssertSame(Pages.ByPartition(pages, 1)[0], (await spool.ReadAttemptAsync(spec, 0, 0, Ct))[0], "partition 0");
    }

    [Fact]
    public async Task Rollover_OneByteMore_StartsNextFileOnePageEarlier()
    {
        var spool = NewRollingSpool();
        var spec = spool.Exchange("e1", partitions: 1);
        // 3 quarter pages + one 1 byte larger: 1 MiB + 1 does not fit, so the 4th page opens file 1.
        int[] sizes = [QuarterFrame, QuarterFrame, QuarterFrame, QuarterFrame + 1, 0];
        var pages = Pages.Spread(0, 1, sizes.Length, i => sizes[i]);

        var manifest = await spool.WriteAttemptAsync(spec, 0, 0, pages, Ct);

        Assert.Equal([(0, 0, 3L, 3L * MiB / 4), (0, 1, 2L, MiB / 4 + 1 + 4L)], Shape(manifest));
    }

    [Fact]
    public async Task Rollover_PartitionsRollIndependently()
    {
        var spool = NewRollingSpool();
        var spec = spool.Exchange("e1", partitions: 2);
        // Partition 0 gets 6 quarter pages, partition 1 gets 2, interleaved.
        int[] partitions = [0, 1, 0, 0, 1, 0, 0, 0];
        var pages = partitions.Select((p, i) => new TestPage(p, Pages.Make(0, p, i, QuarterFrame))).ToList();

        var manifest = await spool.WriteAttemptAsync(spec, 0, 0, pages, Ct, batchBytes: 100);

        Assert.Equal([(0, 0, 4L, (long)MiB), (0, 1, 2L, MiB / 2L), (1, 0, 2L, MiB / 2L)], Shape(manifest));
        var read = await spool.ReadAttemptAsync(spec, 0, 0, Ct);
        var expected = Pages.ByPartition(pages, 2);
        Pages.AssertSame(expected[0], read[0], "partition 0");
        Pages.AssertSame(expected[1], read[1], "partition 1");
    }

    [Fact]
    public async Task Rollover_PreserveOrder_KeepsOneFilePerPartition()
    {
        var spool = NewRollingSpool();
        var spec = spool.Exchange("e1", partitions: 2, preserveOrder: true);
        var pages = Pages.Spread(0, 2, 18, _ => QuarterFrame);

        var manifest = await spool.WriteAttemptAsync(spec, 0, 0, pages, Ct);

        Assert.Equal([(0, 0, 9L, 9L * MiB / 4), (1, 0, 9L, 9L * MiB / 4)], Shape(manifest));
    }

    [Fact]
    public async Task AddPages_LargestPage_IsAcceptedAndReadBackExactly()
    {
        var spool = NewSpool(new SpoolOptions { MaxPageStorageSize = 16 * MiB });
        var spec = spool.Exchange("e1", partitions: 1);
        var pages = new List<TestPage> { new(0, Pages.Make(0, 0, 0, 16 * MiB - 4)), new(0, Pages.Make(0, 0, 1, 5)) };

        var manifest = await spool.WriteAttemptAsync(spec, 0, 0, pages, Ct);

        Assert.Equal(16L * MiB + 9, manifest.DataSize);
        Pages.AssertSame([pages[0].Payload, pages[1].Payload], (await spool.ReadAttemptAsync(spec, 0, 0, Ct))[0], "partition 0");
    }

    [Fact]
    public async Task AddPages_PageOneByteOverLimit_FailsNamingSetting()
    {
        var spool = NewSpool(new SpoolOptions { MaxPageStorageSize = 16 * MiB });
        var spec = spool.Exchange("e1", partitions: 1);
        await using var attempt = await spool.Registry.OpenAsync(spec, 0, 0, Ct);
        var frames = new FrameBuilder().Add(0, new byte[16 * MiB - 3]);

        var message = await Errors.ExpectAsync(SpoolErrorCode.InvalidArgument,
            async () => await attempt.AddPagesAsync(frames.ToSequence(), 1, Ct));

        Assert.Contains("exchange.max-page-storage-size", message);
        Assert.Contains((16 * MiB - 3).ToString(), message);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public async Task AddPages_PartitionOutOfRange_FailsNamingPartition(int partition)
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 3);
        await using var attempt = await spool.Registry.OpenAsync(spec, 0, 0, Ct);
        var frames = new FrameBuilder().Add(0, [1, 2]).Add(partition, [3]);

        var message = await Errors.ExpectAsync(SpoolErrorCode.InvalidArgument,
            async () => await attempt.AddPagesAsync(frames.ToSequence(), 2, Ct));

        Assert.Contains($"partition {partition} is out of range [0, 3)", message);
    }
}
