using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Encryption;
using ExchangeSpool.Core.Sinks;
using ExchangeSpool.Server.Tests.Process;
using ExchangeSpool.Storage.Local;
using Microsoft.Extensions.Time.Testing;

namespace ExchangeSpool.Server.Tests.Cli;

/// <summary>
/// The real <c>exchange-spool exchanges ...</c> and <c>keygen</c> against a local storage whose exchanges
/// were written through the core as a server writes them (the storage contract suites run list and
/// delete on every backend).
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class OperatorCliTests : IDisposable
{
    private readonly string _baseDirectory = Directory.CreateTempSubdirectory("exchange-spool-cli-").FullName;

    /// <summary>The clock the exchanges are written with: seven hours ago, unless a test moves it.</summary>
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow - TimeSpan.FromHours(7));

    public void Dispose()
    {
        Directory.Delete(_baseDirectory, recursive: true);
        File.Delete(Path.Combine(_baseDirectory, "..", Path.GetFileName(_baseDirectory) + ".key"));
    }

    [Fact]
    public async Task Keygen_PrintsANewMasterKeyInTheFormatTheKeySettingTakes()
    {
        var first = await SpoolProcess.RunToExitAsync("keygen");
        var second = await SpoolProcess.RunToExitAsync("keygen");

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(KeyRing.KeySize, Convert.FromBase64String(first.Stdout.Trim()).Length);
        Assert.NotEqual(first.Stdout, second.Stdout);
        var keyFile = WriteKeyFile(first.Stdout);
        var listed = await RunAsync("exchanges", "list", "--exchange.encryption-enabled=true", $"--exchange.spool.encryption.key-file={keyFile}");
        Assert.True(listed.ExitCode == 0, listed.Stderr);
    }

    [Fact]
    public async Task List_ShowsEachExchangeWithItsQuerySizeAttemptsAndState()
    {
        var server = Server();
        var idle = await CommittedExchanges.CommitAsync(server, "idle", sinks: 3);
        var closed = await CommittedExchanges.CommitAsync(server, "closed");
        await server.Tombstones.MarkClosedAsync(closed.Key, default);
        _clock.SetUtcNow(DateTimeOffset.UtcNow);
        var recent = await CommittedExchanges.CommitAsync(server, "recent");

        var listed = await RunAsync("exchanges", "list", "--exchange.spool.orphan-ttl=6h");

        Assert.True(listed.ExitCode == 0, listed.Stderr);
        Assert.Matches(Row(idle, @"7h0m", attempts: 3, committedSinks: 3, "orphan"), listed.Stdout);
        Assert.Matches(Row(closed, @"7h0m", attempts: 1, committedSinks: 1, "closed"), listed.Stdout);
        Assert.Matches(Row(recent, @"0m\d+s", attempts: 1, committedSinks: 1, "open"), listed.Stdout);
    }

    [Fact]
    public async Task Du_ReportsEachExchangesStoredBytes_AndTheirTotal()
    {
        var server = Server();
        var small = await CommittedExchanges.CommitAsync(server, "small");
        var large = await CommittedExchanges.CommitAsync(server, "large", sinks: 2, pages: 50);
        var smallBytes = await StoredBytesAsync(server, small, sinks: 1);
        var largeBytes = await StoredBytesAsync(server, large, sinks: 2);

        var usage = await RunAsync("exchanges", "du");

        Assert.True(usage.ExitCode == 0, usage.Stderr);
        Assert.Matches($@"q\.small\s+│\s+{smallBytes}\s+│", usage.Stdout);
        Assert.Matches($@"q\.large\s+│\s+{largeBytes}\s+│", usage.Stdout);
        Assert.Matches($@"total\s+│\s+{smallBytes + largeBytes}\s+│", usage.Stdout);
    }

    [Fact]
    public async Task Verify_OfAnIntactExchange_ReadsEveryCommittedFile_AndExits0()
    {
        var exchange = await CommittedExchanges.CommitAsync(Server(), "intact", sinks: 3, pages: 20);

        var verified = await RunAsync("exchanges", "verify", exchange.Key.ToString());

        Assert.True(verified.ExitCode == 0, verified.Stdout + verified.Stderr);
        Assert.Contains("exchange q.intact: 3 committed files of 3 attempts read, 0 damaged, 0 unreadable", verified.Stdout);
    }

    [Fact]
    public async Task Verify_OfAFileWithOneFlippedByte_NamesTheFile_AndExits1()
    {
        var server = Server();
        var exchange = await CommittedExchanges.CommitAsync(server, "damaged", sinks: 2, pages: 20);
        var file = ((LocalExchangeStorage)server.Storage).Resolve(server.Layout.DataFile(exchange.Key, 1, 0, 0, 0));
        var bytes = File.ReadAllBytes(file);
        bytes[^10] ^= 0x40;
        File.WriteAllBytes(file, bytes);

        var verified = await RunAsync("exchanges", "verify", exchange.Key.ToString());

        Assert.Equal(1, verified.ExitCode);
        Assert.Matches(@"damaged: .*1/0/0_0\.data", verified.Stdout);
        Assert.Contains("2 committed files of 2 attempts read, 1 damaged, 0 unreadable", verified.Stdout);
    }

    [Fact]
    public async Task Verify_OfAnEncryptedExchange_OpensItWithTheConfiguredKey_AndCallsItUnreadableWithout()
    {
        var key = Convert.FromBase64String((await SpoolProcess.RunToExitAsync("keygen")).Stdout.Trim());
        var keyFile = WriteKeyFile(Convert.ToBase64String(key));
        var keys = new KeyRing(1, new Dictionary<uint, byte[]> { [1] = key });
        var exchange = await CommittedExchanges.CommitAsync(Server(keys), "encrypted", sinks: 2, pages: 20);

        var withKey = await RunAsync("exchanges", "verify", exchange.Key.ToString(), "--exchange.encryption-enabled=true", $"--exchange.spool.encryption.key-file={keyFile}");
        var withoutKey = await RunAsync("exchanges", "verify", exchange.Key.ToString());

        Assert.True(withKey.ExitCode == 0, withKey.Stdout + withKey.Stderr);
        Assert.Equal(1, withoutKey.ExitCode);
        Assert.Contains("2 committed files of 2 attempts read, 0 damaged, 2 unreadable", withoutKey.Stdout);
    }

    [Fact]
    public async Task Delete_RemovesEverythingTheExchangeWrote_AndClosesIt()
    {
        var server = Server();
        var deleted = await CommittedExchanges.CommitAsync(server, "deleted");
        var kept = await CommittedExchanges.CommitAsync(server, "kept");

        var result = await RunAsync("exchanges", "delete", deleted.Key.ToString());

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Null(await server.TryLoadManifestAsync(new SinkAttemptId(deleted.Key, 0, 0), default));
        Assert.NotNull(await server.TryLoadManifestAsync(new SinkAttemptId(kept.Key, 0, 0), default));
        Assert.True(await Server().Tombstones.IsClosedAsync(deleted.Key, default));
    }

    [Fact]
    public async Task Sweep_DeletesExchangesIdleLongerThanOlderThan_AndKeepsTheOthers()
    {
        var server = Server();
        var idle = await CommittedExchanges.CommitAsync(server, "idle");
        _clock.SetUtcNow(DateTimeOffset.UtcNow - TimeSpan.FromHours(5));
        var recent = await CommittedExchanges.CommitAsync(server, "recent");

        var swept = await RunAsync("exchanges", "sweep", "--older-than", "6h");

        Assert.True(swept.ExitCode == 0, swept.Stderr);
        Assert.Contains("deleted q.idle", swept.Stdout);
        Assert.Null(await server.TryLoadManifestAsync(new SinkAttemptId(idle.Key, 0, 0), default));
        Assert.NotNull(await server.TryLoadManifestAsync(new SinkAttemptId(recent.Key, 0, 0), default));
    }

    [Fact]
    public async Task Sweep_DryRun_NamesTheIdleExchanges_AndDeletesNothing()
    {
        var server = Server();
        var idle = await CommittedExchanges.CommitAsync(server, "idle");

        var swept = await RunAsync("exchanges", "sweep", "--older-than=6h", "--dry-run");

        Assert.True(swept.ExitCode == 0, swept.Stderr);
        Assert.Contains("would delete q.idle", swept.Stdout);
        Assert.NotNull(await server.TryLoadManifestAsync(new SinkAttemptId(idle.Key, 0, 0), default));
    }

    [Theory]
    [InlineData("exchanges", "frobnicate")]
    [InlineData("exchanges", "verify")]
    [InlineData("exchanges", "delete", "not-a-query-dot-exchange")]
    [InlineData("exchanges", "sweep")]
    [InlineData("exchanges", "sweep", "--older-than", "soon")]
    [InlineData("exchanges", "list", "--dry-run")]
    [InlineData("exchanges", "list", "--exchange.no-such-key=1")]
    [InlineData("keygen", "extra")]
    public async Task UsageOrConfigurationError_IsOneLineOnStderr_WithExitCode2(params string[] arguments)
    {
        var result = await SpoolProcess.RunToExitAsync(arguments);

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.StartsWith("exchange-spool: ", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    /// <summary>A server's core over this test's base directory, recording activity by the test's clock.</summary>
    private SpoolContext Server(KeyRing? keys = null) =>
        new(new SpoolOptions { BaseDirectories = [_baseDirectory] }, new LocalExchangeStorage([_baseDirectory]), keys, _clock);

    /// <summary>A master key file beside the base directory, readable by its owner only, as the server wants it.</summary>
    private string WriteKeyFile(string base64)
    {
        var path = Path.Combine(_baseDirectory, "..", Path.GetFileName(_baseDirectory) + ".key");
        File.WriteAllText(path, base64);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] arguments) =>
        SpoolProcess.RunToExitAsync([.. arguments, $"--exchange.base-directories={_baseDirectory}"]);

    private static async Task<long> StoredBytesAsync(SpoolContext server, ExchangeSpec exchange, int sinks)
    {
        long bytes = 0;
        for (var sink = 0; sink < sinks; sink++)
            bytes += (await server.LoadManifestAsync(new SinkAttemptId(exchange.Key, sink, 0), default)).Files.Sum(file => new FileInfo(
                ((LocalExchangeStorage)server.Storage).Resolve(server.Layout.DataFile(exchange.Key, sink, 0, file.PartitionId, file.FileIndex))).Length);
        return bytes;
    }

    /// <summary>A row of <c>exchanges list</c>: exchange, query, age, size, attempts, committed sinks, state.</summary>
    private static Regex Row(ExchangeSpec exchange, string age, int attempts, int committedSinks, string state) =>
        new($@"{Regex.Escape(exchange.Key.ToString())}\s+│\s+{exchange.Key.QueryId}\s+│\s+{age}\s+│[^│]+│\s+{attempts}\s+│\s+{committedSinks}\s+│\s+{state}\s");
}
