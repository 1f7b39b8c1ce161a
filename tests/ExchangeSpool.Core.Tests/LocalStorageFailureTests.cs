using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Storage.Local;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

/// <summary>What a client is told when the local file system fails, and what is left behind.</summary>
public sealed class LocalStorageFailureTests : SpoolTest
{
    [RootFact]
    public async Task FullDisk_FailsTheSinkResourceExhaustedNamingThePathAndLeavesNoFiles()
    {
        using var disk = TmpfsMount.Create(Path.Combine(Root, "tiny"), "2m");
        var storage = new LocalExchangeStorage([disk.Directory]);
        var spool = Track(new SpoolHarness(new SpoolContext(new SpoolOptions { SinkBufferSize = 64 * 1024, MaxPageStorageSize = SpoolOptions.MiB }, storage)));
        var spec = spool.Exchange("e1", partitions: 1);

        var error = await Assert.ThrowsAsync<SpoolException>(() => spool.WriteAttemptAsync(spec, 0, 0, Pages.Spread(0, 1, 100, _ => 50_000), Ct));

        Assert.Equal(SpoolErrorReason.StorageFull, error.Reason);
        Assert.Equal(SpoolErrorCode.ResourceExhausted, error.Code);
        Assert.Contains("No space left on device", error.Message);
        Assert.Contains(spool.AttemptDirectory(spec, 0, 0), error.Message);
        await spool.CleanUpsEndedAsync(Ct);
        Assert.False(Directory.Exists(spool.AttemptDirectory(spec, 0, 0)), "the failed attempt's files were left on the full disk");
    }

    [Theory]
    [InlineData(28)] // ENOSPC
    [InlineData(122)] // EDQUOT
    public void NoSpaceOrQuotaErrno_IsStorageFull(int errno)
    {
        var failure = new IOException("No space left on device : '/spool/a/0_0.data'", errno);

        Assert.True(LocalIoFailures.IsStorageFull(failure));
        var error = LocalIoFailures.StorageFull(failure);
        Assert.Equal(SpoolErrorCode.ResourceExhausted, error.Code);
        Assert.Contains("'/spool/a/0_0.data'", error.Message);
    }

    [Fact]
    public void OtherIoErrno_IsNotStorageFull() =>
        Assert.False(LocalIoFailures.IsStorageFull(new IOException("Input/output error", 5)));
}
