using System.Runtime.Versioning;
using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Storage.Local;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

/// <summary>
/// The modes of what the local backend creates are exactly the configured ones, not what the umask
/// leaves (the server process is tested under umask 000 in the server's process tests).
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class LocalFileModeTests : SpoolTest
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerOnlyFile | UnixFileMode.UserExecute;

    [Fact]
    public async Task ByDefault_DataFilesAndManifestsAre0600AndDirectories0700()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 2);

        await spool.WriteAttemptAsync(spec, 0, 0, Pages.Spread(0, 2, 20, _ => 1000), Ct);

        AssertModes(spool, spec, OwnerOnlyFile, OwnerOnlyDirectory);
    }

    [Fact]
    public async Task ConfiguredGroupBits_AreSetExactly()
    {
        const UnixFileMode GroupReadableFile = OwnerOnlyFile | UnixFileMode.GroupRead;
        const UnixFileMode GroupEnterableDirectory = OwnerOnlyDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
        var storage = new LocalExchangeStorage(BaseDirectories, fileMode: GroupReadableFile, directoryMode: GroupEnterableDirectory);
        var spool = new SpoolHarness(new SpoolContext(new SpoolOptions(), storage));
        var spec = spool.Exchange("e1", partitions: 2);

        await spool.WriteAttemptAsync(spec, 0, 0, Pages.Spread(0, 2, 20, _ => 1000), Ct);

        AssertModes(spool, spec, GroupReadableFile, GroupEnterableDirectory);
    }

    [Fact]
    public void MissingBaseDirectory_IsCreatedWithTheDirectoryMode()
    {
        var baseDirectory = Path.Combine(Root, "new", "base");

        _ = new LocalExchangeStorage([baseDirectory]);

        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(baseDirectory));
        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(Path.GetDirectoryName(baseDirectory)!));
    }

    /// <summary>Every file and directory below the base directories (the exchange's directories, its data files and its manifest).</summary>
    private static void AssertModes(SpoolHarness spool, ExchangeSpec spec, UnixFileMode fileMode, UnixFileMode directoryMode)
    {
        var attempt = spool.AttemptDirectory(spec, 0, 0);
        var files = Directory.GetFiles(attempt);
        Assert.Contains(Path.Combine(attempt, "commit"), files);
        Assert.Contains(Path.Combine(attempt, "0_0.data"), files);
        foreach (var file in files)
            Assert.True(fileMode == File.GetUnixFileMode(file), $"{file} has mode {File.GetUnixFileMode(file)}, not {fileMode}");
        for (var directory = attempt; !spool.Context.Storage.BaseDirectories.Contains(directory); directory = Path.GetDirectoryName(directory)!)
            Assert.True(directoryMode == File.GetUnixFileMode(directory), $"{directory} has mode {File.GetUnixFileMode(directory)}, not {directoryMode}");
    }
}
