using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

public sealed class SinkRegistryTests : SpoolTest
{
    [Fact]
    public async Task Open_SameAttemptTwice_DoesNotDeleteTheFirstStreamsFiles()
    {
        var spool = NewSpool(new SpoolOptions { SinkBufferSize = 64 * 1024, MaxPageStorageSize = SpoolOptions.MiB });
        var spec = spool.Exchange("e1", partitions: 1);
        var pages = Pages.Spread(0, 1, 40, _ => 50_000);
        await using var first = await spool.Registry.OpenAsync(spec, 0, 0, Ct);
        await SpoolHarness.AddPagesAsync(first, pages[..20], Ct);
        var file = spool.FullPath(spool.DataFile(spec, 0, 0, 0, 0));
        await Wait.UntilAsync(() => File.Exists(file), "the first stream's file exists", Ct);

        await Errors.ExpectAsync(SpoolErrorCode.FailedPrecondition, () => spool.Registry.OpenAsync(spec, 0, 0, Ct));

        Assert.True(File.Exists(file), "the refused second stream deleted the first stream's data file");
        await SpoolHarness.AddPagesAsync(first, pages[20..], Ct);
        await first.FinishAsync(Ct);
        Pages.AssertSame(Pages.ByPartition(pages, 1)[0], (await spool.ReadAttemptAsync(spec, 0, 0, Ct))[0], "partition 0");
    }

    /// <summary>
    /// Two streams race to write and finish the same attempt, many times over. Exactly one commits; the
    /// other is refused as busy (it came while the winner was open) or committed (it came after), and
    /// never trips over the winner's files (which once surfaced as "The file '.../1_0.data' already exists").
    /// </summary>
    [Fact]
    public async Task TwoStreamsForOneAttempt_LoserAlwaysFailsFailedPreconditionAndOneCommits()
    {
        const int Races = 400;
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 2);
        var pages = Pages.Spread(0, 2, 4, _ => 100);
        for (var sinkId = 0; sinkId < Races; sinkId++)
        {
            // The second stream starts a little later each time, so its open meets the first stream at every stage.
            var outcomes = await Task.WhenAll(WriteAsync(sinkId, 0), WriteAsync(sinkId, sinkId * 10));

            Assert.Single(outcomes, outcome => outcome is null);
            var loser = Assert.Single(outcomes.OfType<SpoolException>());
            Assert.True(loser.Code == SpoolErrorCode.FailedPrecondition
                && loser.Reason is SpoolErrorReason.AttemptBusy or SpoolErrorReason.AttemptCommitted,
                $"race {sinkId}: the losing stream failed with {loser.Reason} ({loser.Code}): {loser.Message}");
        }
        Assert.Equal(Races, (await Task.WhenAll(Enumerable.Range(0, Races).Select(s => spool.ManifestAsync(spec, s, 0, Ct)))).Length);

        async Task<SpoolException?> WriteAsync(int sinkId, int spins)
        {
            await Task.Yield();
            Thread.SpinWait(spins);
            try
            {
                await spool.WriteAttemptAsync(spec, sinkId, 0, pages, Ct);
                return null;
            }
            catch (SpoolException e)
            {
                return e;
            }
        }
    }
}
