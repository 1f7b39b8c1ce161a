using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Sinks;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

/// <summary>
/// Close is final: a closed exchange's tombstone refuses writes, commits and plans on every server
/// sharing the storage (a second harness over the same directories is another server, or this one
/// restarted), and nothing written to it survives.
/// </summary>
public sealed class ClosedExchangeTests : SpoolTest
{
    private static readonly SpoolOptions SmallBlocks = new() { SinkBufferSize = 64 * 1024, MaxPageStorageSize = SpoolOptions.MiB };

    private static List<TestPage> SomePages() => Pages.Spread(0, 2, 20, _ => 1000);

    [Fact]
    public async Task OpenAfterClose_FailsExchangeClosedAndWritesNothing()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 2);
        await spool.CloseAsync(spec.Key, Ct);

        var error = await Assert.ThrowsAsync<SpoolException>(() => spool.Registry.OpenAsync(spec, 0, 0, Ct));

        AssertClosedFailure(error);
        Assert.Equal(0, spool.Registry.ActiveCount);
        AssertNothingLeft(spec);
    }

    [Fact]
    public async Task OpenAfterClose_IsRefusedByAnotherServerOrAfterARestart()
    {
        var spec = NewSpool().Exchange("e1", partitions: 2);
        await NewSpool().CloseAsync(spec.Key, Ct);
        var restarted = NewSpool();

        var error = await Assert.ThrowsAsync<SpoolException>(() => restarted.WriteAttemptAsync(spec, 0, 0, SomePages(), Ct));

        AssertClosedFailure(error);
        AssertNothingLeft(spec);
    }

    [Fact]
    public async Task PlanAfterClose_FailsExchangeClosed()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 2);
        await spool.WriteAttemptAsync(spec, 0, 0, SomePages(), Ct);
        await NewSpool().CloseAsync(spec.Key, Ct);

        var error = await Assert.ThrowsAsync<SpoolException>(() => spool.Planner.PlanAsync(spec, [(0, 0)], Ct));

        AssertClosedFailure(error);
    }

    [Fact]
    public async Task AttemptStreamingDuringClose_IsAbortedWithExchangeClosedAndLeavesNoFiles()
    {
        var spool = NewSpool(SmallBlocks);
        var spec = spool.Exchange("e1", partitions: 2);
        var attempt = await spool.Registry.OpenAsync(spec, 0, 0, Ct);
        await SpoolHarness.AddPagesAsync(attempt, Pages.Spread(0, 1, 10, _ => 50_000), Ct);
        var file = spool.FullPath(spool.DataFile(spec, 0, 0, 0, 0));
        await Wait.UntilAsync(() => File.Exists(file), "the attempt's first file exists", Ct);

        await spool.Lifecycle.CloseAsync(spec.Key, Ct);

        Assert.True(attempt.AbortRequested.IsCancellationRequested, "the close did not abort the attempt streaming into the exchange");
        AssertClosedFailure(attempt.AbortFailure);
        await attempt.DisposeAsync(); // what the stream's owner does once its wait is cancelled
        await spool.Lifecycle.DeleteAsync(spec.Key, Ct);
        AssertNothingLeft(spec);
    }

    [Fact]
    public async Task AttemptOfAnotherServerFinishingAfterClose_FailsExchangeClosedAndLeavesNoFiles()
    {
        var writer = NewSpool(SmallBlocks);
        var spec = writer.Exchange("e1", partitions: 2);
        await using var attempt = await writer.Registry.OpenAsync(spec, 0, 0, Ct);
        await SpoolHarness.AddPagesAsync(attempt, SomePages(), Ct);
        await NewSpool().CloseAsync(spec.Key, Ct);
        await SpoolHarness.AddPagesAsync(attempt, Pages.Spread(0, 2, 20, _ => 50_000), Ct); // recreates what the close deleted

        var error = await Assert.ThrowsAsync<SpoolException>(() => attempt.FinishAsync(Ct));

        AssertClosedFailure(error);
        Assert.Equal(SinkAttemptState.Aborted, attempt.State);
        await writer.CleanUpsEndedAsync(Ct);
        AssertNothingLeft(spec);
    }

    /// <summary>
    /// A commit and a close of another server race, many times: whichever lands first, the exchange
    /// ends with nothing in it (the commit fails, or it succeeds and the close's deletion removes it).
    /// </summary>
    [Fact]
    public async Task CommitRacingACloseOnAnotherServer_NeverLeavesFiles()
    {
        var writer = NewSpool();
        var closer = NewSpool();
        for (var race = 0; race < 40; race++)
        {
            var spec = writer.Exchange($"race{race}", partitions: 2);
            await using var attempt = await writer.Registry.OpenAsync(spec, 0, 0, Ct);
            await SpoolHarness.AddPagesAsync(attempt, SomePages(), Ct);

            var finish = Record.ExceptionAsync(() => attempt.FinishAsync(Ct));
            await Task.Delay(race % 8, Ct); // the close lands at a different point of the commit each time
            await closer.CloseAsync(spec.Key, Ct);

            if (await finish is { } error)
                AssertClosedFailure(Assert.IsType<SpoolException>(error));
            await writer.CleanUpsEndedAsync(Ct);
            AssertNothingLeft(spec);
        }
    }

    /// <summary>
    /// A sink opening while the close's background deletion runs: the deletion removes the activity
    /// directory the open records into, and the open must still fail as closed, not as a storage
    /// failure (a contract run once saw UNAVAILABLE). Many rounds, the open landing at every point of
    /// the deletion.
    /// </summary>
    [Fact]
    public async Task OpenRacingTheDeletionOfItsClosedExchange_FailsExchangeClosed()
    {
        var closer = NewSpool();
        for (var race = 0; race < 300; race++)
        {
            var spec = closer.Exchange($"race{race}", partitions: 1);
            var late = NewSpool(); // a server that has not recorded the exchange's activity yet
            await closer.Lifecycle.CloseAsync(spec.Key, Ct);

            var deletion = closer.Lifecycle.DeleteAsync(spec.Key, Ct);
            var error = await Assert.ThrowsAsync<SpoolException>(() => late.Registry.OpenAsync(spec, 0, 0, Ct));
            await deletion;

            Assert.True(error.Reason == SpoolErrorReason.ExchangeClosed, $"race {race}: {error.Reason}: {error}");
        }
    }

    [Fact]
    public async Task Sweep_DeletesTombstonesOlderThanTheRetentionAndKeepsNewerOnes()
    {
        var spool = NewSpool();
        var old = spool.Exchange("old", partitions: 1);
        var recent = spool.Exchange("recent", partitions: 1);
        await spool.CloseAsync(old.Key, Ct);
        await spool.CloseAsync(recent.Key, Ct);
        MakeTombstoneOlderThanRetention(spool, old.Key);

        Assert.Equal(1, await spool.Context.Tombstones.SweepAsync(Ct));

        Assert.False(File.Exists(TombstoneFile(spool, old.Key)));
        Assert.True(File.Exists(TombstoneFile(spool, recent.Key)));
        var restarted = NewSpool();
        Assert.False(await restarted.Context.Tombstones.IsClosedAsync(old.Key, Ct));
        Assert.True(await restarted.Context.Tombstones.IsClosedAsync(recent.Key, Ct));
    }

    [Fact]
    public async Task FirstCloseAfterStart_SweepsOldTombstonesInTheBackground()
    {
        var before = NewSpool();
        var old = before.Exchange("old", partitions: 1);
        await before.CloseAsync(old.Key, Ct);
        MakeTombstoneOlderThanRetention(before, old.Key);
        var restarted = NewSpool();

        await restarted.CloseAsync(restarted.Exchange("new", partitions: 1).Key, Ct);

        await Wait.UntilAsync(() => !File.Exists(TombstoneFile(restarted, old.Key)), "the old tombstone is swept", Ct);
    }

    private static void AssertClosedFailure(SpoolException error)
    {
        Assert.True(error.Reason == SpoolErrorReason.ExchangeClosed, $"{error.Reason}: {error.Message}");
        Assert.Equal(SpoolErrorCode.FailedPrecondition, error.Code);
        Assert.Contains("was closed", error.Message);
    }

    /// <summary>No directory of the exchange in any base directory (its tombstone lives elsewhere).</summary>
    private void AssertNothingLeft(ExchangeSpec spec)
    {
        foreach (var baseDirectory in BaseDirectories)
        {
            var root = Path.Combine(baseDirectory, ExchangeLayout.ExchangeDirectory(spec.Key));
            Assert.False(Directory.Exists(root),
                $"{root} survived the close: {string.Join(", ", Directory.Exists(root) ? Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories) : [])}");
        }
    }

    private static string TombstoneFile(SpoolHarness spool, ExchangeKey exchange) => spool.FullPath(spool.Context.Layout.Tombstone(exchange));

    private static void MakeTombstoneOlderThanRetention(SpoolHarness spool, ExchangeKey exchange) =>
        File.SetLastWriteTimeUtc(TombstoneFile(spool, exchange), DateTime.UtcNow - spool.Context.Options.ClosedExchangeRetention - TimeSpan.FromMinutes(1));
}
