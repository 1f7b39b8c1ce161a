using System.Runtime.Versioning;
using System.Text.Json;

namespace ExchangeSpool.Server.Tests.Process;

/// <summary>
/// The log settings on the real program, observed through a warning every start with a master key
/// file and encryption off prints (the key is not used, which the operator likely did not mean).
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class LogSettingsTests : IDisposable
{
    private const string UnusedKeyWarning = "exchange.spool.encryption.key-file is set but exchange.encryption-enabled is false";

    private readonly string _directory = Directory.CreateTempSubdirectory("exchange-spool-logs-").FullName;
    private readonly string _keyFile;

    public LogSettingsTests()
    {
        _keyFile = Path.Combine(_directory, "master-key");
        File.WriteAllText(_keyFile, Convert.ToBase64String(new byte[32]));
        File.SetUnixFileMode(_keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task MasterKeyWithEncryptionOff_IsWarnedAboutNamingBothKeys()
    {
        using var spool = await SpoolProcess.StartAsync($"--exchange.spool.encryption.key-file={_keyFile}");

        var line = await spool.WaitForLineAsync(l => l.Contains(UnusedKeyWarning, StringComparison.Ordinal));

        Assert.Contains("warn:", line);
    }

    [Fact]
    public async Task LogLevelError_LeavesWarningsOut()
    {
        using var spool = await SpoolProcess.StartAsync($"--exchange.spool.encryption.key-file={_keyFile}", "--exchange.spool.log-level=error");
        // The same start at the default level prints the warning (the test above); this one must not,
        // and a later line proves the log is not merely behind.
        using var reference = await SpoolProcess.StartAsync($"--exchange.spool.encryption.key-file={_keyFile}");
        await reference.WaitForLineAsync(l => l.Contains(UnusedKeyWarning, StringComparison.Ordinal));
        await spool.StopAsync();

        Assert.DoesNotContain(UnusedKeyWarning, spool.Output);
    }

    [Fact]
    public async Task LogFormatJson_WritesEachEventAsAJsonObjectWithItsFields()
    {
        using var spool = await SpoolProcess.StartAsync($"--exchange.spool.encryption.key-file={_keyFile}", "--exchange.spool.log-format=json");

        var line = await spool.WaitForLineAsync(l => l.StartsWith('{') && l.Contains("\"Key\"", StringComparison.Ordinal));

        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal("Warning", root.GetProperty("LogLevel").GetString());
        Assert.Equal("exchange.spool.encryption.key-file", root.GetProperty("State").GetProperty("Key").GetString());
        Assert.Equal("exchange.encryption-enabled", root.GetProperty("State").GetProperty("EnabledKey").GetString());
    }
}
