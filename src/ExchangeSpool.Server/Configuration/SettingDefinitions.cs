using static ExchangeSpool.Server.Configuration.SettingValueParsers;

namespace ExchangeSpool.Server.Configuration;

/// <summary>Every configuration key the server knows, in the order they are documented.</summary>
public static class SettingDefinitions
{
    public const string ExchangeManagerName = "spool";

    /// <summary>Keys under this prefix configure the Java plugin, which reads the same file.</summary>
    public const string PluginKeyPrefix = "exchange.spool.client.";

    private static readonly string[] OtherBackendKeyPrefixes = ["exchange.hdfs.", "exchange.azure.", "exchange.gcs."];
    private const string HadoopResourcesKey = "hdfs.config.resources";
    private const string NoEffect = "Accepted for compatibility with Trino's file; no effect (a positive integer).";

    public static IReadOnlyList<SettingDefinition> All { get; } =
    [
        Checked("exchange-manager.name", ExchangeManagerName,
            $"The exchange manager Trino loads from this file: `{ExchangeManagerName}` for ExchangeSpool's plugin. The server also starts on `filesystem` and `hdfs`, the names the Stackable operator writes, so its generated file can be mounted unchanged (Trino loads the spool plugin only once a config override sets `{ExchangeManagerName}`).",
            RequireExchangeManagerName),
        Bound("exchange.base-directories", "./spool-data",
            "Comma-separated base directories where spooled files live, sinks striped across them: local directories (plain paths or `file:///` URIs) or S3 locations (`s3://bucket/prefix`, one client per bucket); not both.",
            BaseDirectories, (options, directories) => options.Spool = options.Spool with { BaseDirectories = directories }),
        Bound("exchange.spool.local-fsync", "false",
            "Local backend: `true` flushes each data file and then the commit manifest to disk before a commit is acknowledged, so commits survive a machine crash (an fsync per file and per commit); `false` flushes neither, so commits survive a server crash but not a machine crash, as with Trino's own local exchange.",
            Boolean, (options, fsync) => options.Spool = options.Spool with { LocalFsync = fsync }),
        Bound("exchange.spool.local.file-mode", "0600",
            "Local backend: the mode (octal) of every data file and commit manifest, set exactly whatever the umask; add group bits (`0640`) only for a shared volume whose other servers run as another user of the group.",
            UnixMode, (options, mode) => options.Spool = options.Spool with { LocalFileMode = mode }),
        Bound("exchange.spool.local.directory-mode", "0700",
            "Local backend: the mode (octal) of every directory it creates, set exactly whatever the umask (`0750` to go with a file mode of `0640`).",
            UnixMode, (options, mode) => options.Spool = options.Spool with { LocalDirectoryMode = mode }),
        Bound("exchange.spool.closed-exchange-retention", "24h",
            "How long a closed exchange's tombstone (a small file under `closed-exchanges/` in a base directory) is kept: until then every server refuses writes, commits and plans of that exchange; then the tombstone is swept (by the first close after a start, then at most hourly, 1000 per base directory at a time). At least `1m`.",
            PositiveDuration, (options, retention) => options.Spool = options.Spool with { ClosedExchangeRetention = retention }),
        Bound("exchange.max-page-storage-size", "16MB",
            "The largest page, including its 4-byte length frame.",
            DataSizeBytes, (options, bytes) => options.Spool = options.Spool with { MaxPageStorageSize = bytes }),
        Bound("exchange.sink-buffer-pool-min-size", "10",
            "Buffers a sink may hold however few partitions it has.",
            Integer, (options, count) => options.Spool = options.Spool with { SinkBufferPoolMinSize = count }),
        Bound("exchange.sink-buffers-per-partition", "2",
            "Buffers per output partition of a sink: one filling, the rest being written (at least 2).",
            Integer, (options, count) => options.Spool = options.Spool with { SinkBuffersPerPartition = count }),
        Bound("exchange.spool.sink-buffer-size", "1MB",
            "The block size; a partition's buffer grows to it as data arrives (4kB to 64MB).",
            SmallDataSizeBytes, (options, bytes) => options.Spool = options.Spool with { SinkBufferSize = bytes }),
        Bound("exchange.sink-max-file-size", "1GB",
            "A partition's file rolls over before passing this size (never when order is preserved).",
            DataSizeBytes, (options, bytes) => options.Spool = options.Spool with { SinkMaxFileSize = bytes }),
        Bound("exchange.source-concurrent-readers", "4",
            "Files read at once by one source stream.",
            Integer, (options, count) => options.Spool = options.Spool with { SourceConcurrentReaders = count }),
        Bound("exchange.source-handle-target-data-size", "256MB",
            "Files are packed into source handles up to this size.",
            DataSizeBytes, (options, bytes) => options.Spool = options.Spool with { SourceHandleTargetDataSize = bytes }),
        Bound("exchange.max-output-partition-count", "50",
            "The most output partitions one exchange may have (at most 10000).",
            Integer, (options, count) => options.Spool = options.Spool with { MaxOutputPartitionCount = count }),
        Bound("exchange.spool.memory-limit", "1GB",
            "One budget for every sink buffer and every read-ahead block.",
            DataSizeBytes, (options, bytes) => options.Spool = options.Spool with { MemoryLimit = bytes }),
        Bound("exchange.spool.address", "127.0.0.1:9477",
            "The `host:port` the server listens on; loopback only in this version (port 0 picks a free port).",
            Address, (options, address) => options.Server = options.Server with { Address = address }),
        Bound("exchange.spool.metrics-address", "",
            "The `host:port` serving Prometheus metrics at `/metrics` over plain HTTP (counters and gauges only, no data, so any address is allowed); empty: off.",
            OptionalAddress, (options, address) => options.Server = options.Server with { MetricsAddress = address }),
        Bound("exchange.spool.max-message-size", "32MB",
            "The largest gRPC message; at least `exchange.max-page-storage-size` + 64kB, at most 1GB.",
            SmallDataSizeBytes, (options, bytes) => options.Server = options.Server with { MaxMessageSize = bytes }),
        Bound("exchange.spool.max-streams-per-connection", "1000",
            "Concurrent calls (sinks, sources, control calls) one client connection may carry, advertised as HTTP/2's `SETTINGS_MAX_CONCURRENT_STREAMS` (1 to 100000). A busy Trino worker keeps a stream open per running sink and source; one beyond the limit waits in the client until another ends. An open stream costs the server a few kB, plus whatever its client sent that it has not read yet (at most the 1MB stream window, and all streams of a connection together at most its 64MB window).",
            Integer, (options, count) => options.Server = options.Server with { MaxStreamsPerConnection = count }),
        Bound(EncryptionOptions.EnabledKey, "false",
            "AES-256-GCM per block with a key derived per exchange (HKDF-SHA256) from the master key. With no key configured a standalone server generates one; a cluster member refuses to start.",
            Boolean, (options, enabled) => options.Encryption = options.Encryption with { Enabled = enabled }),
        Secret(EncryptionOptions.KeySettingKey,
            "The current master key, base64 of 32 bytes; give it as the environment variable `EXCHANGE_SPOOL_ENCRYPTION_KEY` (e.g. from a Kubernetes Secret), not on the command line. Never logged.",
            MasterKey, (options, key) => options.Encryption = options.Encryption with { Key = key }),
        Bound(EncryptionOptions.KeyFileKey, "",
            "A file holding the current master key (base64 of 32 bytes); instead of `exchange.spool.encryption.key`.",
            MasterKeyFile, (options, key) => options.Encryption = options.Encryption with { KeyFromFile = key }),
        Bound(EncryptionOptions.KeyIdKey, "1",
            "The current key's id, written into every new file's header; readers pick the key by it.",
            KeyId, (options, id) => options.Encryption = options.Encryption with { KeyId = id }),
        Bound(EncryptionOptions.PreviousKeyFilesKey, "",
            "Keys kept after a rotation to read older files: comma-separated `id=path` entries (e.g. `1=/etc/spool/key-1`).",
            MasterKeyFiles, (options, keys) => options.Encryption = options.Encryption with { PreviousKeys = keys }),
        Bound(EncryptionOptions.ClusterModeKey, "false",
            "`true` when several servers share storage (sidecars of one Trino cluster): encryption then requires a configured key, as servers with different keys cannot read each other's files.",
            Boolean, (options, cluster) => options.Encryption = options.Encryption with { ClusterMode = cluster }),
        Bound(EncryptionOptions.DataDirectoryKey, "./spool-state",
            "Where a standalone server with encryption on and no key configured keeps the key it generates (file `encryption-master-key`, mode 0600).",
            OptionalText, (options, directory) => options.Encryption = options.Encryption with { DataDirectory = directory ?? "./spool-state" }),
        Bound("exchange.spool.compression", "none",
            "`none` or `lz4` (Debian's liblz4.so.1, package `liblz4-1`): LZ4 per block, kept only when it saves at least 10%.",
            Compression, (options, compression) => options.Spool = options.Spool with { Compression = compression }),
        Checked("exchange.source-max-files-per-reader", "25", NoEffect, PositiveInteger),
        Checked("exchange.file-listing-parallelism", "50", NoEffect, PositiveInteger),
        .. S3SettingDefinitions.All,
    ];

    private static readonly Dictionary<string, SettingDefinition> ByKey = All.ToDictionary(definition => definition.Key);

    public static SettingDefinition? Find(string key) => ByKey.GetValueOrDefault(key);

    public static bool IsPluginKey(string key) => key.StartsWith(PluginKeyPrefix, StringComparison.Ordinal);

    /// <summary>Why an unknown key is refused; keys of Trino's other backends get a hint, since they are the likely cause.</summary>
    public static string UnknownKeyProblem(string key) =>
        key == HadoopResourcesKey || OtherBackendKeyPrefixes.Any(prefix => key.StartsWith(prefix, StringComparison.Ordinal))
            ? $"unknown configuration key '{key}': the HDFS/Azure/GCS backend is not part of this build"
            : $"unknown configuration key '{key}'";

    /// <summary>A setting whose parsed value is stored in the options.</summary>
    internal static SettingDefinition Bound<T>(string key, string defaultText, string meaning, Func<string, string, T> parse, Action<OptionsBuilder, T> bind) =>
        new(key, defaultText, meaning, (options, text) => bind(options, parse(key, text)));

    /// <summary>A setting whose value must not be shown anywhere: no default, and its effective value is redacted.</summary>
    internal static SettingDefinition Secret<T>(string key, string meaning, Func<string, string, T> parse, Action<OptionsBuilder, T> bind) =>
        new(key, "", meaning, (options, text) => bind(options, parse(key, text))) { IsSecret = true };

    /// <summary>
    /// A setting that is only checked: Trino's keys that mean nothing here are still parsed, so a
    /// typo in a shared file is caught now rather than when Trino's own manager reads it.
    /// </summary>
    private static SettingDefinition Checked<T>(string key, string defaultText, string meaning, Func<string, string, T> parse) =>
        new(key, defaultText, meaning, (_, text) => parse(key, text));

    /// <summary>Trino's own managers whose files the server reads as well (as the Stackable operator generates them).</summary>
    private static readonly string[] TrinoManagerNames = ["filesystem", "hdfs"];

    private static string RequireExchangeManagerName(string key, string name) =>
        name == ExchangeManagerName || TrinoManagerNames.Contains(name)
            ? name
            : throw new ConfigurationException(key, $"this file selects exchange manager '{name}'; exchange-spool serves '{ExchangeManagerName}' (and reads files written for 'filesystem' or 'hdfs')");

}
