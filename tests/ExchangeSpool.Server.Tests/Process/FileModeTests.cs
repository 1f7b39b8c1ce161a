using System.Runtime.Versioning;
using ExchangeSpool.Client;

namespace ExchangeSpool.Server.Tests.Process;

/// <summary>The modes of the spool's files and of key files, checked on the program started under a given umask.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class FileModeTests
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerOnlyFile | UnixFileMode.UserExecute;

    [Fact]
    public async Task UnderUmask000_SpoolFilesAre0600AndDirectories0700()
    {
        using var spool = await SpoolProcess.StartUnderUmaskAsync("000");

        await CommitOneAttemptAsync(spool);

        AssertModesBelow(spool.BaseDirectory, OwnerOnlyFile, OwnerOnlyDirectory);
    }

    [Fact]
    public async Task UnderUmask077_ConfiguredGroupBitsAreKept()
    {
        using var spool = await SpoolProcess.StartUnderUmaskAsync("077",
            "--exchange.spool.local.file-mode=0640", "--exchange.spool.local.directory-mode=0750");

        await CommitOneAttemptAsync(spool);

        AssertModesBelow(spool.BaseDirectory, OwnerOnlyFile | UnixFileMode.GroupRead,
            OwnerOnlyDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
    }

    [Fact]
    public async Task KeyFileReadableByOthers_IsWarnedAboutNamingFileAndMode()
    {
        var (keyFile, output) = await StartWithKeyFileAsync(OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        Assert.Contains($"Master key file {keyFile} has mode 0644", output);
    }

    [Fact]
    public async Task OwnerOnlyKeyFile_IsNotWarnedAbout()
    {
        var (_, output) = await StartWithKeyFileAsync(OwnerOnlyFile);

        Assert.DoesNotContain("Master key file", output);
    }

    /// <summary>Starts the server with encryption on and its key in a file of <paramref name="mode"/>; returns the file and what the server printed while starting.</summary>
    private static async Task<(string KeyFile, string Output)> StartWithKeyFileAsync(UnixFileMode mode)
    {
        var directory = Directory.CreateTempSubdirectory("exchange-spool-key-").FullName;
        try
        {
            var keyFile = Path.Combine(directory, "master-key");
            await File.WriteAllTextAsync(keyFile, Convert.ToBase64String(new byte[32]));
            File.SetUnixFileMode(keyFile, mode);
            using var spool = await SpoolProcess.StartAsync("--exchange.encryption-enabled=true", $"--exchange.spool.encryption.key-file={keyFile}");
            return (keyFile, spool.Output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task CommitOneAttemptAsync(SpoolProcess spool)
    {
        using var client = new SpoolClient(spool.Address);
        var exchange = await client.CreateExchangeAsync("modes", "e", 2, false);
        var writer = client.CreateSink(exchange.InstantiateSink(exchange.AddSink(0), 0));
        writer.Add(0, "a"u8);
        writer.Add(1, "b"u8);
        await writer.FinishAsync().WaitAsync(SpoolProcess.Timeout);
    }

    /// <summary>Everything the server created below the base directory: the exchange's directories, its data files and manifest.</summary>
    private static void AssertModesBelow(string baseDirectory, UnixFileMode fileMode, UnixFileMode directoryMode)
    {
        var files = Directory.GetFiles(baseDirectory, "*", SearchOption.AllDirectories);
        var directories = Directory.GetDirectories(baseDirectory, "*", SearchOption.AllDirectories);
        Assert.Contains(files, file => Path.GetFileName(file) == "commit");
        Assert.Contains(files, file => file.EndsWith(".data", StringComparison.Ordinal));
        Assert.All(files, file => Assert.True(File.GetUnixFileMode(file) == fileMode, $"{file}: {File.GetUnixFileMode(file)}, not {fileMode}"));
        Assert.All(directories, directory =>
            Assert.True(File.GetUnixFileMode(directory) == directoryMode, $"{directory}: {File.GetUnixFileMode(directory)}, not {directoryMode}"));
    }
}
