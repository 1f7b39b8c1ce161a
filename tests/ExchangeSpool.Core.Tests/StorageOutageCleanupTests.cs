using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Sinks;
using ExchangeSpool.Core.Tests.Support;
using ExchangeSpool.Storage.Local;

namespace ExchangeSpool.Core.Tests;

/// <summary>
/// An aborted attempt during a storage outage. A benchmark stalled when the tests' Ceph gateway filled
/// up: every failed sink's answer waited for its clean-up (upload aborts and deletes, each retried
/// against the broken store) for 10+ minutes. The attempt now answers with its buffers back while its
/// clean-up waits for the storage in the background, and stays registered until that ends.
/// </summary>
public sealed class StorageOutageCleanupTests : SpoolTest
{
    private static readonly SpoolOptions SmallBlocks = new() { SinkBufferSize = 64 * 1024, MaxPageStorageSize = SpoolOptions.MiB };

    private static List<TestPage> SomePages() => Pages.Spread(0, 2, 20, _ => 1000);

    [Fact]
    public async Task FailedFinish_AnswersWithItsBuffersBackWhileItsCleanUpWaitsForTheStorage()
    {
        var (spool, storage) = NewSpoolWithOutage();
        var spec = spool.Exchange("e1", partitions: 2);
        await using var attempt = await OpenWithPagesAsync(spool, spec);

        using (storage.Begin())
        {
            await Errors.ExpectAsync(SpoolErrorCode.Unavailable, () => attempt.FinishAsync(Ct));

            spool.AssertNoBuffersHeld();
            await Wait.UntilAsync(() => storage.HeldRequests > 0, "the clean-up waits for the storage", Ct);
            Assert.False(attempt.Completion.IsCompleted, "the attempt ended before its clean-up did");
            Assert.True(Directory.Exists(spool.AttemptDirectory(spec, 0, 0)), "the files went before the storage answered");
        }
    }

    [Fact]
    public async Task BrokenStream_AbortAnswersWithItsBuffersBackWhileTheAbortOfItsOpenFileWaitsForTheStorage()
    {
        var (spool, storage) = NewSpoolWithOutage();
        var spec = spool.Exchange("e1", partitions: 2);
        var attempt = await spool.Registry.OpenAsync(spec, 0, 0, Ct);
        await SpoolHarness.AddPagesAsync(attempt, Pages.Spread(0, 1, 10, _ => 50_000), Ct);
        var openFile = spool.FullPath(spool.DataFile(spec, 0, 0, 0, 0));
        await Wait.UntilAsync(() => File.Exists(openFile), "the attempt's first file is open", Ct);
        await SpoolHarness.AddPagesAsync(attempt, SomePages(), Ct); // some still in partition buffers

        using (storage.Begin())
        {
            await attempt.DisposeAsync(); // what the stream's owner does when its stream breaks

            spool.AssertNoBuffersHeld();
            await Wait.UntilAsync(() => storage.HeldRequests > 0, "the abort of the open file waits for the storage", Ct);
            Assert.False(attempt.Completion.IsCompleted, "the attempt ended before its clean-up did");
            Assert.True(File.Exists(openFile), "the open file went before the storage answered");
        }
    }

    [Fact]
    public async Task SecondStreamForAnAttemptBeingCleanedUp_IsRefusedAsBusy()
    {
        var (spool, storage) = NewSpoolWithOutage();
        var spec = spool.Exchange("e1", partitions: 2);
        await using var attempt = await OpenWithPagesAsync(spool, spec);

        using (storage.Begin())
        {
            await Errors.ExpectAsync(SpoolErrorCode.Unavailable, () => attempt.FinishAsync(Ct));
            await attempt.DisposeAsync(); // the first stream has answered and ended

            var error = await Assert.ThrowsAsync<SpoolException>(() => spool.Registry.OpenAsync(spec, 0, 0, Ct));

            Assert.Equal(SpoolErrorReason.AttemptBusy, error.Reason);
            Assert.Contains("the deletion of what it wrote still runs", error.Message);
        }
    }

    [Fact]
    public async Task ExchangeOfAnAttemptBeingCleanedUp_StaysInUseForTheOrphanSweeper()
    {
        var (spool, storage) = NewSpoolWithOutage();
        var spec = spool.Exchange("e1", partitions: 2);
        await using var attempt = await OpenWithPagesAsync(spool, spec);

        using (storage.Begin())
        {
            await Errors.ExpectAsync(SpoolErrorCode.Unavailable, () => attempt.FinishAsync(Ct));
            await attempt.DisposeAsync();

            Assert.True(spool.Context.Activity.IsInUse(spec.Key), "the sweeper could take an exchange whose attempt is still being cleaned up");
        }
        await spool.CleanUpsEndedAsync(Ct);
        Assert.False(spool.Context.Activity.IsInUse(spec.Key), "the exchange stayed in use after the clean-up ended");
    }

    [Fact]
    public async Task CleanUpOfAFailedFinish_DeletesItsFilesAndEndsTheAttemptOnceTheStorageAnswers()
    {
        var (spool, storage) = NewSpoolWithOutage();
        var spec = spool.Exchange("e1", partitions: 2);
        var attempt = await OpenWithPagesAsync(spool, spec);
        using (storage.Begin())
        {
            await Errors.ExpectAsync(SpoolErrorCode.Unavailable, () => attempt.FinishAsync(Ct));
            await attempt.DisposeAsync();
            await Wait.UntilAsync(() => storage.HeldRequests > 0, "the clean-up waits for the storage", Ct);
        }

        await spool.CleanUpsEndedAsync(Ct);

        Assert.False(await attempt.Completion);
        Assert.False(Directory.Exists(spool.AttemptDirectory(spec, 0, 0)), "the failed attempt's files stayed");
        Assert.Equal(0, spool.Registry.ActiveCount);
    }

    /// <summary>AbortSink needs to know whether the attempt committed, which the abort settled; its answer must not wait for the storage.</summary>
    [Fact]
    public async Task AbortSinkOfAnAttemptBeingCleanedUp_AnswersNotCommittedWhileTheCleanUpWaits()
    {
        var (spool, storage) = NewSpoolWithOutage();
        var spec = spool.Exchange("e1", partitions: 2);
        await using var attempt = await OpenWithPagesAsync(spool, spec);

        using (storage.Begin())
        {
            await Errors.ExpectAsync(SpoolErrorCode.Unavailable, () => attempt.FinishAsync(Ct));

            Assert.False(await spool.Registry.AbortAsync(spec, 0, 0, Ct));
            Assert.False(attempt.Completion.IsCompleted, "the attempt ended before its clean-up did");
        }
    }

    /// <summary>The exchange's deletion after a close waits for this: an attempt whose clean-up runs still works on the exchange's directories.</summary>
    [Fact]
    public async Task AttemptsOfAnExchangeEnded_WaitsForTheCleanUpOfAnAbortedAttempt()
    {
        var (spool, storage) = NewSpoolWithOutage();
        var spec = spool.Exchange("e1", partitions: 2);
        await using var attempt = await OpenWithPagesAsync(spool, spec);
        Task ended;
        using (storage.Begin())
        {
            await Errors.ExpectAsync(SpoolErrorCode.Unavailable, () => attempt.FinishAsync(Ct));

            ended = spool.Registry.WhenAllEndedAsync(spec.Key);

            Assert.False(ended.IsCompleted, "the attempts counted as ended while a clean-up still ran");
        }
        await ended.WaitAsync(Ct);
    }

    /// <summary>
    /// A file whose completion at a rollover failed (on S3: its last part's upload timed out) still
    /// holds blocks. The attempt's writer once dropped such a file from its open files before
    /// completing it, so the attempt's abort never gave those blocks back to the budget.
    /// </summary>
    [Fact]
    public async Task FileWhoseCompletionAtARolloverFailed_GivesItsBlocksBackWhenTheAttemptAborts()
    {
        var (spool, storage) = NewSpoolWithOutage(
            new SpoolOptions { SinkBufferSize = 64 * 1024, MaxPageStorageSize = 64 * 1024, SinkMaxFileSize = 128 * 1024 }, writersKeepBlocks: true);
        var spec = spool.Exchange("e1", partitions: 1);
        var attempt = await spool.Registry.OpenAsync(spec, 0, 0, Ct);

        using (storage.Begin())
        {
            await Errors.ExpectAsync(SpoolErrorCode.Unavailable, async () =>
            {
                await SpoolHarness.AddPagesAsync(attempt, Pages.Spread(0, 1, 20, _ => 30_000), Ct);
                await attempt.FinishAsync(Ct);
            });
            await attempt.DisposeAsync();

            spool.AssertNoBuffersHeld();
        }
    }

    private (SpoolHarness Spool, OutageStorage Storage) NewSpoolWithOutage(SpoolOptions? options = null, bool writersKeepBlocks = false)
    {
        var storage = new OutageStorage(new LocalExchangeStorage(BaseDirectories), Ct, writersKeepBlocks);
        return (Track(new SpoolHarness(new SpoolContext(options ?? SmallBlocks, storage))), storage);
    }

    private async Task<SinkAttempt> OpenWithPagesAsync(SpoolHarness spool, ExchangeSpec spec)
    {
        var attempt = await spool.Registry.OpenAsync(spec, 0, 0, Ct);
        await SpoolHarness.AddPagesAsync(attempt, SomePages(), Ct);
        return attempt;
    }
}
