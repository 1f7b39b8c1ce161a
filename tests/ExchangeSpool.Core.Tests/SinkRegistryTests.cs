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
}
