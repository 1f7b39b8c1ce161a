using System.Security.Cryptography;
using ExchangeSpool.Core.Compression;
using ExchangeSpool.Server.Configuration;

namespace ExchangeSpool.Server.Tests.Configuration;

/// <summary>Master keys from the environment, files and rotation lists; the standalone and cluster key rules; compression.</summary>
public sealed class EncryptionConfigurationTests : IDisposable
{
    private const string KeyVariable = "EXCHANGE_SPOOL_ENCRYPTION_KEY";

    private readonly ConfigurationFixture _fixture = new();
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("exchange-spool-state-").FullName;

    public void Dispose()
    {
        _fixture.Dispose();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    private string KeyFile(byte[] key) => _fixture.WriteFile(Convert.ToBase64String(key));

    [Fact]
    public void KeyFromTheEnvironment_AndPreviousKeyFiles_MakeTheKeyRing()
    {
        var current = RandomNumberGenerator.GetBytes(32);
        _fixture.Environment[KeyVariable] = Convert.ToBase64String(current);

        var configuration = _fixture.LoadConfiguration("--exchange.encryption-enabled=true", "--exchange.spool.encryption.key-id=3",
            $"--exchange.spool.encryption.previous-key-files=1={KeyFile(RandomNumberGenerator.GetBytes(32))}, 2={KeyFile(RandomNumberGenerator.GetBytes(32))}");

        var ring = configuration.Encryption.ToKeyRing()!;
        Assert.Equal(3u, ring.CurrentKeyId);
        Assert.Equal([1u, 2u, 3u], ring.KeyIds);
        var shown = configuration.Settings.Single(s => s.Key == "exchange.spool.encryption.key");
        Assert.Equal(ServerConfiguration.RedactedValue, shown.Value);
        Assert.DoesNotContain(Convert.ToBase64String(current), string.Join("\n", configuration.Settings));
    }

    [Fact]
    public void KeyFile_IsRead()
    {
        var configuration = _fixture.LoadConfiguration("--exchange.encryption-enabled=true", $"--exchange.spool.encryption.key-file={KeyFile(RandomNumberGenerator.GetBytes(32))}");

        Assert.Equal(1u, configuration.Encryption.ToKeyRing()!.CurrentKeyId);
    }

    [Theory]
    [InlineData(31, "decodes to 31 bytes")]
    [InlineData(33, "decodes to 33 bytes")]
    [InlineData(-1, "is not base64")]
    public void BadKey_FailsNamingTheSettingWithoutTheValue(int length, string problem)
    {
        var text = length < 0 ? "not*base64*at*all" : Convert.ToBase64String(RandomNumberGenerator.GetBytes(length));
        _fixture.Environment[KeyVariable] = text;

        var error = _fixture.LoadError("--exchange.encryption-enabled=true");

        Assert.StartsWith("exchange.spool.encryption.key: the value ", error);
        Assert.Contains(problem, error);
        Assert.DoesNotContain(text, error);
    }

    [Fact]
    public void BadOrMissingKeyFile_FailsNamingTheSettingAndPath()
    {
        var shortKey = KeyFile(RandomNumberGenerator.GetBytes(16));

        Assert.Equal($"exchange.spool.encryption.key-file: key file '{shortKey}' decodes to 16 bytes; a master key is 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)",
            _fixture.LoadError($"--exchange.spool.encryption.key-file={shortKey}"));
        Assert.StartsWith($"exchange.spool.encryption.key-file: cannot read key file '{_fixture.MissingFilePath}'",
            _fixture.LoadError($"--exchange.spool.encryption.key-file={_fixture.MissingFilePath}"));
        Assert.StartsWith("exchange.spool.encryption.previous-key-files: 'oops' is not an id=path entry",
            _fixture.LoadError("--exchange.spool.encryption.previous-key-files=oops"));
    }

    [Fact]
    public void CurrentKeyIdAlsoListedAsPrevious_OrBothKeySettings_Fail()
    {
        var file = KeyFile(RandomNumberGenerator.GetBytes(32));
        _fixture.Environment[KeyVariable] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        Assert.StartsWith("exchange.spool.encryption.key-file: set either this or exchange.spool.encryption.key",
            _fixture.LoadError($"--exchange.spool.encryption.key-file={file}"));
        Assert.StartsWith("exchange.spool.encryption.previous-key-files: key id 1 is the current key id",
            _fixture.LoadError($"--exchange.spool.encryption.previous-key-files=1={file}"));
    }

    [Fact]
    public void ClusterMember_WithEncryptionAndNoKey_RefusesToStart()
    {
        var error = _fixture.LoadError("--exchange.encryption-enabled=true", "--exchange.spool.cluster-mode=true");

        Assert.StartsWith("exchange.encryption-enabled: a server that is part of a cluster (exchange.spool.cluster-mode=true) needs the cluster's master key", error);
    }

    [Fact]
    public async Task Standalone_WithEncryptionAndNoKey_GeneratesAnOwnerOnlyKeyAndReusesIt()
    {
        var configuration = _fixture.LoadConfiguration("--exchange.encryption-enabled=true", $"--exchange.spool.data-directory={_dataDirectory}",
            "--exchange.spool.address=127.0.0.1:0", $"--exchange.base-directories={Path.Combine(_dataDirectory, "spool")}");
        var keyFile = Path.Combine(_dataDirectory, StandaloneKey.FileName);

        string first, second;
        await using (var server = SpoolServer.Create(configuration))
            first = server.EncryptionSummary;
        var key = await File.ReadAllTextAsync(keyFile);
        await using (var server = SpoolServer.Create(configuration))
            second = server.EncryptionSummary;

        Assert.Contains($"generated into {keyFile} (owner-only)", first);
        Assert.Contains($"read from {keyFile}", second);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.Equal(key, await File.ReadAllTextAsync(keyFile));
        Assert.Equal(32, Convert.FromBase64String(key.Trim()).Length);
        Assert.DoesNotContain(key.Trim(), first + second);
    }

    [Fact]
    public void Compression_TakesNoneOrLz4()
    {
        Assert.Equal(BlockCompression.Lz4, _fixture.LoadConfiguration("--exchange.spool.compression=lz4").Spool.Compression);
        Assert.Equal(BlockCompression.None, _fixture.LoadConfiguration().Spool.Compression);
        Assert.Equal("exchange.spool.compression: 'zstd' is not an accepted value (accepted: none, lz4)",
            _fixture.LoadError("--exchange.spool.compression=zstd"));
    }
}
