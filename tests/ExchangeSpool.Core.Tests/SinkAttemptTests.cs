using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Sinks;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

/// <summary>SinkAttempt's state machine, its registry, and how it takes wire batches.</summary>
public sealed class SinkAttemptTests : SpoolTest
{
    private static readonly SpoolOptions SmallBlocks = new() { SinkBufferSize = 64 * 1024, MaxPageStorageSize = SpoolOptions.MiB };

    private static List<TestPage> SomePages(int count = 20, int size = 1000) => Pages.Spread(0, 2, count, _ => size);

    /// <summary>Enough data for partition 0 that blocks are sealed, and waits until its first file exists.</summary>
    private async Task WriteUntilFileExistsAsync(SpoolHarness spool, SinkAttempt attempt, ExchangeSpec spec)
    {
        await SpoolHarness.AddPagesAsync(attempt, Pages.Spread(0, 1, 10, _ => 50_000), Ct);
        var file = spool.FullPath(spool.DataFile(spec, attempt.Id.SinkId, attempt.Id.AttemptId, 0, 0));
        await Wait.UntilAsync(() => File.Exists(file), "the attempt's first file exists", Ct);
    }

    [Fact]
    public async Task Finish_ReturnsCountsAndFreesAllMemory()
    {
        var spool = NewSpool(SmallBlocks);
        var spec = spool.Exchange("e1", partitions: 2);
        await using var attempt = await spool.Registry.OpenAsync(spec, 0, 0, Ct);
        await SpoolHarness.AddPagesAsync(attempt, SomePages(200, 3000), Ct);

        var commit = await attempt.FinishAsync(Ct);

        Assert.Equal(200, commit.PageCount);
        Assert.Equal(200 * 3004, commit.DataSize);
        Assert.Equal(2, commit.FileCount);
        Assert.Equal(SinkAttemptState.Committed, attempt.State);
        Assert.True(await attempt.Completion);
        spool.AssertNoBuffersHeld();
    }

    [Fact]
    public async Task AddPages_AfterFinish_FailsFailedPrecondition()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 2);
        await using var attempt = await spool.Registry.OpenAsync(spec, 0, 0, Ct);
        await SpoolHarness.AddPagesAsync(attempt, SomePages(), Ct);
        await attempt.FinishAsync(Ct);

        var message = await Errors.ExpectAsync(SpoolErrorCode.FailedPrecondition,
            () => SpoolHarness.AddPagesAsync(attempt, SomePages(), Ct));

        Assert.Contains("committed", message);
    }

    [Fact]
    public async Task Finish_Twice_FailsFailedPreconditionAndKeepsCommit()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 2);
        await using var attempt = await spool.Registry.OpenAsync(spec, 0, 0, Ct);
        await SpoolHarness.AddPagesAsync(attempt, SomePages(), Ct);
        await attempt.FinishAsync(Ct);

        await Errors.ExpectAsync(SpoolErrorCode.FailedPrecondition, () => attempt.FinishAsync(Ct));

        Assert.Equal(SinkAttemptState.Committed, attempt.State);
        Assert.Equal(20, (await spool.ManifestAsync(spec, 0, 0, Ct)).Files.Sum(f => f.PageCount));
    }

    [Fact]
    public async Task Abort_AfterCommit_KeepsManifestAndFiles()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 2);
        var pages = SomePages();
        var attempt = await spool.Registry.OpenAsync(spec, 0, 0, Ct);
        await SpoolHarness.AddPagesAsync(attempt, pages, Ct);
        await attempt.FinishAsync(Ct);

        await attempt.AbortAsync();
        attempt.RequestAbort();
        Assert.True(await spool.Registry.AbortAsync(spec, 0, 0, Ct));
        await attempt.DisposeAsync();
        Assert.True(await spool.Registry.AbortAsync(spec, 0, 0, Ct));

        Assert.Equal(SinkAttemptState.Committed, attempt.State);
        var read = await spool.ReadAttemptAsync(spec, 0, 0, Ct);
        var expected = Pages.ByPartition(pages, 2);
        Pages.AssertSame(expected[0], read[0], "partition 0");
        Pages.AssertSame(expected[1], read[1], "partition 1");
    }

    [Fact]
    public async Task RegistryAbort_WhileOpen_FiresAbortRequestedAndOwnersAbortDeletesAttempt()
    {
        var spool = NewSpool(SmallBlocks);
        var spec = spool.Exchange("e1", partitions: 2);
        await using var attempt = await spool.Registry.OpenAsync(spec, 0, 0, Ct);
        await WriteUntilFileExistsAsync(spool, attempt, spec);

        var abort = spool.Registry.AbortAsync(spec, 0, 0, Ct);
        Assert.True(attempt.AbortRequested.IsCancellationRequested);
        Assert.False(abort.IsCompleted); // waits for the owner
        await attempt.AbortAsync();

        Assert.False(await abort);
        Assert.False(await attempt.Completion);
        Assert.Equal(SinkAttemptState.Aborted, attempt.State);
        Assert.False(Directory.Exists(spool.AttemptDirectory(spec, 0, 0)));
        await Errors.ExpectAsync(SpoolErrorCode.FailedPrecondition, () => spool.ManifestAsync(spec, 0, 0, Ct));
        spool.AssertNoBuffersHeld();
    }

    [Fact]
    public async Task Abort_WhileOpen_DeletesAttemptDirectoryAndFreesAllMemory()
    {
        var spool = NewSpool(SmallBlocks);
        var spec = spool.Exchange("e1", partitions: 2);
        await using var attempt = await spool.Registry.OpenAsync(spec, 0, 0, Ct);
        await WriteUntilFileExistsAsync(spool, attempt, spec);
        await SpoolHarness.AddPagesAsync(attempt, SomePages(), Ct); // some still in partition buffers

        await attempt.AbortAsync();

        spool.AssertNoBuffersHeld();
        await spool.CleanUpsEndedAsync(Ct);
        Assert.False(Directory.Exists(spool.AttemptDirectory(spec, 0, 0)));
        await Errors.ExpectAsync(SpoolErrorCode.Aborted, () => SpoolHarness.AddPagesAsync(attempt, SomePages(), Ct));
        await Errors.ExpectAsync(SpoolErrorCode.Aborted, () => attempt.FinishAsync(Ct));
    }

    [Fact]
    public async Task Dispose_WithoutFinish_AbortsAndUnregisters()
    {
        var spool = NewSpool(SmallBlocks);
        var spec = spool.Exchange("e1", partitions: 2);
        var attempt = await spool.Registry.OpenAsync(spec, 0, 0, Ct);
        await WriteUntilFileExistsAsync(spool, attempt, spec);

        await attempt.DisposeAsync();

        spool.AssertNoBuffersHeld();
        await spool.CleanUpsEndedAsync(Ct);
        Assert.Equal(0, spool.Registry.ActiveCount);
        Assert.False(Directory.Exists(spool.AttemptDirectory(spec, 0, 0)));
    }

    [Fact]
    public async Task RegistryAbort_NotActiveAndUncommitted_DeletesLeftovers()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 1);
        var leftover = spool.FullPath(spool.DataFile(spec, 0, 0, 0, 0));
        Directory.CreateDirectory(Path.GetDirectoryName(leftover)!);
        await File.WriteAllBytesAsync(leftover, [1, 2, 3], Ct);

        Assert.False(await spool.Registry.AbortAsync(spec, 0, 0, Ct));

        Assert.False(Directory.Exists(spool.AttemptDirectory(spec, 0, 0)));
    }

    [Fact]
    public async Task Open_CommittedAttempt_FailsFailedPrecondition()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 2);
        await spool.WriteAttemptAsync(spec, 0, 0, SomePages(), Ct);

        var message = await Errors.ExpectAsync(SpoolErrorCode.FailedPrecondition, () => spool.Registry.OpenAsync(spec, 0, 0, Ct));

        Assert.Contains("already committed", message);
        Assert.Equal(20, (await spool.ManifestAsync(spec, 0, 0, Ct)).Files.Sum(f => f.PageCount));
    }

    [Fact]
    public async Task Open_SameAttemptTwice_SecondFailsFailedPrecondition()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 2);
        var pages = SomePages();
        await using var first = await spool.Registry.OpenAsync(spec, 0, 0, Ct);

        var message = await Errors.ExpectAsync(SpoolErrorCode.FailedPrecondition, () => spool.Registry.OpenAsync(spec, 0, 0, Ct));

        Assert.Contains("already being written", message);
        Assert.Equal(1, spool.Registry.ActiveCount);
        await SpoolHarness.AddPagesAsync(first, pages, Ct);
        await first.FinishAsync(Ct);
        Assert.Equal(pages.Count, (await spool.ReadAttemptAsync(spec, 0, 0, Ct)).Sum(p => p.Count));
    }

    [Fact]
    public async Task Open_OtherAttemptOfSameSink_IsIndependent()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 2);
        await using var first = await spool.Registry.OpenAsync(spec, 0, 0, Ct);
        await using var second = await spool.Registry.OpenAsync(spec, 0, 1, Ct);

        await SpoolHarness.AddPagesAsync(second, SomePages(), Ct);
        await second.FinishAsync(Ct);
        await first.AbortAsync();

        Assert.Equal(20, (await spool.ManifestAsync(spec, 0, 1, Ct)).Files.Sum(f => f.PageCount));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task AddPages_FramesSplitAcrossSegments_AreCopiedExactly(int segmentSize)
    {
        var spool = NewSpool(SmallBlocks);
        var spec = spool.Exchange("e1", partitions: 3);
        var pages = Pages.Spread(0, 3, 60, i => i * 37 % 5000);
        var frames = FrameBuilder.Of(pages);

        await using (var attempt = await spool.Registry.OpenAsync(spec, 0, 0, Ct))
        {
            await attempt.AddPagesAsync(frames.ToSegmentedSequence(segmentSize), frames.PageCount, Ct);
            await attempt.FinishAsync(Ct);
        }

        var read = await spool.ReadAttemptAsync(spec, 0, 0, Ct);
        var expected = Pages.ByPartition(pages, 3);
        for (var p = 0; p < 3; p++)
            Pages.AssertSame(expected[p], read[p], $"partition {p}");
    }

    [Fact]
    public async Task AddPages_PageCountDifferentFromFrames_FailsInvalidArgument()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 1);
        await using var attempt = await spool.Registry.OpenAsync(spec, 0, 0, Ct);
        var frames = new FrameBuilder().Add(0, [1]).Add(0, [2]);

        var message = await Errors.ExpectAsync(SpoolErrorCode.InvalidArgument,
            async () => await attempt.AddPagesAsync(frames.ToSequence(), 3, Ct));

        Assert.Contains("says 3 pages but carries 2", message);
    }

    [Fact]
    public async Task AddPages_TruncatedFrame_FailsInvalidArgument()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 1);
        await using var attempt = await spool.Registry.OpenAsync(spec, 0, 0, Ct);
        var bytes = new FrameBuilder().Add(0, [1, 2, 3]).Add(0, [4]).ToArray();

        var cutHeader = await Errors.ExpectAsync(SpoolErrorCode.InvalidArgument,
            async () => await attempt.AddPagesAsync(new(bytes[..^3]), 2, Ct));
        var overlong = new FrameBuilder().AddRaw(0, 10, [1, 2, 3]);
        var cutPayload = await Errors.ExpectAsync(SpoolErrorCode.InvalidArgument,
            async () => await attempt.AddPagesAsync(overlong.ToSequence(), 1, Ct));

        Assert.Contains("truncated frame header", cutHeader);
        Assert.Contains("claims 10 bytes but the message holds 3", cutPayload);
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(0, -1)]
    public async Task Open_NegativeIds_FailInvalidArgument(int sinkId, int attemptId)
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 1);

        await Errors.ExpectAsync(SpoolErrorCode.InvalidArgument, () => spool.Registry.OpenAsync(spec, sinkId, attemptId, Ct));
    }

    [Theory]
    [InlineData(128)]
    [InlineData(int.MaxValue)]
    public async Task Open_AttemptIdNoSelectorCanChoose_FailsInvalidArgumentNamingIdAndLimit(int attemptId)
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 1);

        var message = await Errors.ExpectAsync(SpoolErrorCode.InvalidArgument, () => spool.Registry.OpenAsync(spec, 0, attemptId, Ct));

        Assert.Contains($"attempt id {attemptId}", message);
        Assert.Contains("limit 127", message);
        Assert.Equal(0, spool.Registry.ActiveCount);
    }

    [Fact]
    public async Task Open_HighestSelectableAttemptId_Commits()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 2);

        await spool.WriteAttemptAsync(spec, 0, 127, SomePages(), Ct);

        Assert.Equal(20, (await spool.ManifestAsync(spec, 0, 127, Ct)).Files.Sum(f => f.PageCount));
    }
}
