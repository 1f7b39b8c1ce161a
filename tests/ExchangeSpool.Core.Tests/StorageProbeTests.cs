using ExchangeSpool.Core.Storage;
using ExchangeSpool.Core.Tests.Support;
using ExchangeSpool.Storage.Local;

namespace ExchangeSpool.Core.Tests;

/// <summary>The start's write probe through the storage seam, on local directories.</summary>
public sealed class StorageProbeTests : SpoolTest
{
    [Fact]
    public async Task WritableBaseDirectories_PassAndKeepNoProbeFile()
    {
        await using var storage = new LocalExchangeStorage(BaseDirectories);

        var failure = await StorageProbe.FindUnwritableAsync(storage, TimeSpan.FromMinutes(1), Ct);

        Assert.Null(failure);
        Assert.All(BaseDirectories, directory => Assert.Empty(Directory.EnumerateFileSystemEntries(directory)));
    }

    [Fact]
    public async Task BaseDirectoryReplacedByAFile_IsTheOneNamed()
    {
        await using var storage = new LocalExchangeStorage(BaseDirectories);
        Directory.Delete(BaseDirectories[1]);
        await File.WriteAllTextAsync(BaseDirectories[1], "in the way", Ct);

        var failure = await StorageProbe.FindUnwritableAsync(storage, TimeSpan.FromMinutes(1), Ct);

        Assert.NotNull(failure);
        Assert.Equal(BaseDirectories[1], failure.BaseDirectory);
        Assert.False(failure.TimedOut);
        Assert.Contains(BaseDirectories[1], failure.Problem);
        Assert.Empty(Directory.EnumerateFileSystemEntries(BaseDirectories[0]));
    }

    [Fact]
    public void ProbeFileName_CannotBeAnExchangeDirectory()
    {
        var probe = ExchangeLayout.WriteProbe(0);

        Assert.DoesNotContain('.', probe.RelativePath);
        Assert.DoesNotContain('/', probe.RelativePath);
        Assert.NotEqual(probe, ExchangeLayout.WriteProbe(0));
    }
}
