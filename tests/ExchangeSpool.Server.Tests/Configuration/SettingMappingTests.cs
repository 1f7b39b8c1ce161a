using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Server.Configuration;
using ExchangeSpool.Storage.Local;

namespace ExchangeSpool.Server.Tests.Configuration;

/// <summary>Every default and every key's binding, in the spirit of airlift's recorded-defaults and full-mapping checks.</summary>
public sealed class SettingMappingTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly ConfigurationFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Without_any_configuration_every_setting_has_its_documented_default()
    {
        var configuration = _fixture.LoadConfiguration();

        var spool = configuration.Spool;
        Assert.Equal(["./spool-data"], spool.BaseDirectories);
        Assert.Equal("local", configuration.Storage.Kind);
        var local = configuration.Options.Get<LocalOptions>();
        Assert.False(local.Fsync);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, local.FileMode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, local.DirectoryMode);
        Assert.Equal(TimeSpan.FromHours(24), spool.ClosedExchangeRetention);
        Assert.Equal(16 * MiB, spool.MaxPageStorageSize);
        Assert.Equal(10, spool.SinkBufferPoolMinSize);
        Assert.Equal(2, spool.SinkBuffersPerPartition);
        Assert.Equal(1 * MiB, spool.SinkBufferSize);
        Assert.Equal(1024 * MiB, spool.SinkMaxFileSize);
        Assert.Equal(4, spool.SourceConcurrentReaders);
        Assert.Equal(256 * MiB, spool.SourceHandleTargetDataSize);
        Assert.Equal(50, spool.MaxOutputPartitionCount);
        Assert.Equal(1024 * MiB, spool.MemoryLimit);
        Assert.Equal(TimeSpan.FromHours(24), spool.OrphanTtl);
        Assert.Equal(TimeSpan.FromHours(1), spool.OrphanSweepInterval);
        Assert.Equal(new ListenAddress("127.0.0.1", 9477), configuration.Server.Address);
        Assert.Null(configuration.Server.MetricsAddress);
        Assert.Equal(32 * MiB, configuration.Server.MaxMessageSize);
        Assert.Null(configuration.ConfigFile);
    }

    [Fact]
    public void Documented_defaults_match_the_option_records_own_defaults()
    {
        var configuration = _fixture.LoadConfiguration();
        var recordDefaults = new SpoolOptions();

        // The list is compared by content; record equality would compare it by reference.
        Assert.Equal(recordDefaults.BaseDirectories, configuration.Spool.BaseDirectories);
        Assert.Equal(recordDefaults, configuration.Spool with { BaseDirectories = recordDefaults.BaseDirectories });
        Assert.Equal(new ServerOptions(), configuration.Server);
        Assert.Equal(new LocalOptions(), configuration.Options.Get<LocalOptions>());
    }

    [Fact]
    public void Without_any_configuration_every_key_is_reported_with_its_default_text()
    {
        var settings = _fixture.LoadConfiguration().Settings;

        Assert.Equal(
            SettingDefinitions.All.Select(definition => new EffectiveSetting(definition.Key, definition.DefaultText, SettingSource.Default)),
            settings);
    }

    [Fact]
    public void A_file_setting_every_key_maps_each_to_its_property()
    {
        var previousKeyFile = _fixture.WriteFile(Convert.ToBase64String(new byte[32]));
        using var certificates = new Security.TestCertificates();
        var (certificateFile, keyFile, _) = certificates.NewServerCertificate();
        var tokenFile = certificates.WriteTokenFile("mapping-token");
        var configuration = _fixture.LoadFile(
            "exchange-manager.name=spool",
            "exchange.base-directories=file:///var/spool/a, file:///var/spool/b",
            "exchange.spool.local-fsync=true",
            "exchange.spool.local.file-mode=0640",
            "exchange.spool.local.directory-mode=750",
            "exchange.spool.closed-exchange-retention=2h",
            "exchange.max-page-storage-size=8MB",
            "exchange.sink-buffer-pool-min-size=12",
            "exchange.sink-buffers-per-partition=3",
            "exchange.spool.sink-buffer-size=2MB",
            "exchange.sink-max-file-size=512MB",
            "exchange.source-concurrent-readers=8",
            "exchange.source-handle-target-data-size=128MB",
            "exchange.max-output-partition-count=1000",
            "exchange.spool.memory-limit=4GB",
            "exchange.spool.orphan-ttl=6h",
            "exchange.spool.orphan-sweep-interval=10m",
            "exchange.spool.address=localhost:9500",
            "exchange.spool.metrics-address=0.0.0.0:9501",
            "exchange.spool.max-message-size=12MB",
            "exchange.spool.max-streams-per-connection=250",
            $"exchange.spool.tls.certificate-file={certificateFile}",
            $"exchange.spool.tls.key-file={keyFile}",
            $"exchange.spool.auth.token-file={tokenFile}",
            "exchange.spool.log-level=debug",
            "exchange.spool.log-format=json",
            "exchange.spool.startup-check-timeout=45s",
            "exchange.spool.shutdown-grace-period=45s",
            "exchange.encryption-enabled=true",
            $"exchange.spool.encryption.key={Convert.ToBase64String(Enumerable.Range(1, 32).Select(b => (byte)b).ToArray())}",
            "exchange.spool.encryption.key-file=",
            "exchange.spool.encryption.key-id=5",
            $"exchange.spool.encryption.previous-key-files=2={previousKeyFile}",
            "exchange.spool.cluster-mode=true",
            "exchange.spool.data-directory=/var/lib/exchange-spool",
            "exchange.spool.compression=lz4",
            "exchange.source-max-files-per-reader=30",
            "exchange.file-listing-parallelism=20");

        // Every key but those of backends the base directories do not use (S3ConfigurationTests binds the S3 keys).
        Assert.Equal(SettingDefinitions.All.Where(definition => StorageBackends.OwnerOf(definition.Key) is null or LocalStorageBackend).Select(definition => definition.Key),
            configuration.Settings.Where(setting => setting.Source == SettingSource.File).Select(setting => setting.Key));
        var spool = configuration.Spool;
        Assert.Equal(["/var/spool/a", "/var/spool/b"], spool.BaseDirectories);
        var local = configuration.Options.Get<LocalOptions>();
        Assert.True(local.Fsync);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, local.FileMode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute,
            local.DirectoryMode);
        Assert.Equal(TimeSpan.FromHours(2), spool.ClosedExchangeRetention);
        Assert.Equal(8 * MiB, spool.MaxPageStorageSize);
        Assert.Equal(12, spool.SinkBufferPoolMinSize);
        Assert.Equal(3, spool.SinkBuffersPerPartition);
        Assert.Equal(2 * MiB, spool.SinkBufferSize);
        Assert.Equal(512 * MiB, spool.SinkMaxFileSize);
        Assert.Equal(8, spool.SourceConcurrentReaders);
        Assert.Equal(128 * MiB, spool.SourceHandleTargetDataSize);
        Assert.Equal(1000, spool.MaxOutputPartitionCount);
        Assert.Equal(4096 * MiB, spool.MemoryLimit);
        Assert.Equal(TimeSpan.FromHours(6), spool.OrphanTtl);
        Assert.Equal(TimeSpan.FromMinutes(10), spool.OrphanSweepInterval);
        Assert.Equal(new ListenAddress("localhost", 9500), configuration.Server.Address);
        Assert.Equal(new ListenAddress("0.0.0.0", 9501), configuration.Server.MetricsAddress);
        Assert.Equal(12 * MiB, configuration.Server.MaxMessageSize);
        Assert.Equal(250, configuration.Server.MaxStreamsPerConnection);
        Assert.Equal(certificateFile, configuration.Server.TlsCertificateFile);
        Assert.Equal(keyFile, configuration.Server.TlsKeyFile);
        Assert.Equal(tokenFile, configuration.Server.AuthTokenFile);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Debug, configuration.Server.LogLevel);
        Assert.Equal(LogFormat.Json, configuration.Server.LogFormat);
        Assert.Equal(TimeSpan.FromSeconds(45), configuration.Server.StartupCheckTimeout);
        Assert.Equal(TimeSpan.FromSeconds(45), configuration.Server.ShutdownGracePeriod);
        Assert.Equal(Core.Compression.BlockCompression.Lz4, spool.Compression);
        var encryption = configuration.Encryption;
        Assert.True(encryption.Enabled && encryption.ClusterMode);
        Assert.Equal("/var/lib/exchange-spool", encryption.DataDirectory);
        Assert.Equal("key ring (current key id 5; key ids 2, 5)", encryption.ToKeyRing()!.ToString());
    }

    [Fact]
    public void Plain_path_base_directories_are_kept_as_written()
    {
        var configuration = _fixture.LoadFile("exchange.base-directories=/data/one,relative/two");

        Assert.Equal(["/data/one", "relative/two"], configuration.Spool.BaseDirectories);
    }

    [Fact]
    public void Records_the_file_it_read()
    {
        var path = _fixture.WriteFile("exchange.sink-max-file-size=1GB");

        Assert.Equal(path, _fixture.LoadConfiguration("--config", path).ConfigFile);
    }

    [Fact]
    public void Keys_of_the_java_plugin_are_ignored()
    {
        var configuration = _fixture.LoadFile(
            "exchange-manager.name=spool",
            "exchange.spool.client.request-timeout=10s",
            "exchange.spool.client.anything-the-plugin-adds=whatever");

        Assert.DoesNotContain(configuration.Settings, setting => setting.Key.StartsWith("exchange.spool.client.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("localhost:9477")]
    [InlineData("LOCALHOST:9477")]
    [InlineData("127.0.0.2:9477")]
    [InlineData("[::1]:9477")]
    [InlineData("127.0.0.1:0")]
    public void Loopback_addresses_are_accepted(string address)
    {
        var configuration = _fixture.LoadConfiguration("--exchange.spool.address", address);

        Assert.True(configuration.Server.Address.IsLoopback);
        Assert.Equal(address, configuration.Server.Address.ToString(), ignoreCase: true);
    }

    [Fact]
    public void Encryption_disabled_is_accepted_in_any_case()
    {
        Assert.IsType<RunServer>(_fixture.Load("--exchange.encryption-enabled", "FALSE"));
    }

    [Theory]
    [InlineData("exchange.sink-max-file-size", "EXCHANGE_SINK_MAX_FILE_SIZE")]
    [InlineData("exchange.spool.memory-limit", "EXCHANGE_SPOOL_MEMORY_LIMIT")]
    [InlineData("exchange-manager.name", "EXCHANGE_MANAGER_NAME")]
    public void Environment_variable_is_the_key_upper_cased_with_dots_and_dashes_as_underscores(string key, string variable)
    {
        Assert.Equal(variable, SettingDefinitions.Find(key)!.EnvironmentVariable);
    }

    [Fact]
    public void Every_key_has_its_own_environment_variable()
    {
        var variables = SettingDefinitions.All.Select(definition => definition.EnvironmentVariable).ToList();

        Assert.Equal(variables.Count, variables.Distinct().Count());
        Assert.DoesNotContain(ServerConfiguration.ConfigFileVariable, variables);
    }
}
