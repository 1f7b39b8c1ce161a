using ExchangeSpool.Core.Configuration;
using static ExchangeSpool.Core.Configuration.SettingDefinition;
using static ExchangeSpool.Core.Configuration.SettingParsers;
using static ExchangeSpool.Server.Configuration.SettingValueParsers;

namespace ExchangeSpool.Server.Configuration;

/// <summary>Every configuration key the server knows, in the order they are documented: its own, then each storage backend's.</summary>
public static class SettingDefinitions
{
    public const string ExchangeManagerName = "spool";

    /// <summary>Keys under this prefix configure the Java plugin, which reads the same file.</summary>
    public const string PluginKeyPrefix = "exchange.spool.client.";

    private const string NoEffect = "Accepted for compatibility with Trino's file; no effect (a positive integer).";

    public static IReadOnlyList<SettingDefinition> All { get; } =
    [
        Checked("exchange-manager.name", ExchangeManagerName,
            $"The exchange manager Trino loads from this file: `{ExchangeManagerName}` for ExchangeSpool's plugin. The server also starts on `filesystem` and `hdfs`, the names the Stackable operator writes, so its generated file can be mounted unchanged (Trino loads the spool plugin only once a config override sets `{ExchangeManagerName}`).",
            RequireExchangeManagerName),
        SpoolSetting("exchange.base-directories", "./spool-data",
            "Comma-separated base directories where spooled files live, sinks striped across them, all of one storage backend: " +
            string.Join("; or ", StorageBackends.All.Select(backend => backend.BaseDirectoryDescription)) + ".",
            BaseDirectories, (spool, directories) => spool with { BaseDirectories = directories }),
        SpoolSetting("exchange.spool.closed-exchange-retention", "24h",
            "How long a closed exchange's tombstone (a small file under `closed-exchanges/` in a base directory) is kept: until then every server refuses writes, commits and plans of that exchange; then the tombstone is swept (by the first close after a start, then at most hourly, 1000 per base directory at a time). At least `1m`.",
            PositiveDuration, (spool, retention) => spool with { ClosedExchangeRetention = retention }),
        SpoolSetting("exchange.max-page-storage-size", "16MB",
            "The largest page, including its 4-byte length frame.",
            DataSizeBytes, (spool, bytes) => spool with { MaxPageStorageSize = bytes }),
        SpoolSetting("exchange.sink-buffer-pool-min-size", "10",
            "Buffers a sink may hold however few partitions it has.",
            Integer, (spool, count) => spool with { SinkBufferPoolMinSize = count }),
        SpoolSetting("exchange.sink-buffers-per-partition", "2",
            "Buffers per output partition of a sink: one filling, the rest being written (at least 2).",
            Integer, (spool, count) => spool with { SinkBuffersPerPartition = count }),
        SpoolSetting("exchange.spool.sink-buffer-size", "1MB",
            "The block size; a partition's buffer grows to it as data arrives (4kB to 64MB).",
            SmallDataSizeBytes, (spool, bytes) => spool with { SinkBufferSize = bytes }),
        SpoolSetting("exchange.sink-max-file-size", "1GB",
            "A partition's file rolls over before passing this size (never when order is preserved).",
            DataSizeBytes, (spool, bytes) => spool with { SinkMaxFileSize = bytes }),
        SpoolSetting("exchange.source-concurrent-readers", "4",
            "Files read at once by one source stream.",
            Integer, (spool, count) => spool with { SourceConcurrentReaders = count }),
        SpoolSetting("exchange.source-handle-target-data-size", "256MB",
            "Files are packed into source handles up to this size.",
            DataSizeBytes, (spool, bytes) => spool with { SourceHandleTargetDataSize = bytes }),
        SpoolSetting("exchange.max-output-partition-count", "50",
            "The most output partitions one exchange may have (at most 10000).",
            Integer, (spool, count) => spool with { MaxOutputPartitionCount = count }),
        SpoolSetting("exchange.spool.memory-limit", "1GB",
            "One budget for every sink buffer and every read-ahead block.",
            DataSizeBytes, (spool, bytes) => spool with { MemoryLimit = bytes }),
        SpoolSetting("exchange.spool.orphan-ttl", "24h",
            "Exchanges no server sharing the storage has used for this long (a crashed coordinator never closed them) are closed and deleted by the orphan sweeper; `0`: this server does not sweep. Otherwise at least `1m`; keep it well above the longest a query may leave an exchange unused, and the same on every server. See docs/operations.md.",
            DurationOrZero, (spool, ttl) => spool with { OrphanTtl = ttl }),
        SpoolSetting("exchange.spool.orphan-sweep-interval", "1h",
            "How often this server sweeps orphaned exchanges (each sweep lists `exchange-activity/` in every base directory and reads each exchange's records).",
            PositiveDuration, (spool, interval) => spool with { OrphanSweepInterval = interval }),
        ServerSetting("exchange.spool.address", "127.0.0.1:9477",
            "The `host:port` the server listens on (port 0 picks a free port); an address other than loopback (e.g. `0.0.0.0:9477`) only with TLS (`exchange.spool.tls.certificate-file`, `exchange.spool.tls.key-file`) and a token (`exchange.spool.auth.token-file`).",
            Address, (server, address) => server with { Address = address }),
        ServerSetting("exchange.spool.metrics-address", "",
            "The `host:port` serving Prometheus metrics at `/metrics`, and the probes `/healthz` (alive) and `/readyz` (storage writable, not draining), over plain HTTP (no data, so any address is allowed); empty: off.",
            OptionalAddress, (server, address) => server with { MetricsAddress = address }),
        ServerSetting("exchange.spool.max-message-size", "32MB",
            "The largest gRPC message; at least `exchange.max-page-storage-size` + 64kB, at most 1GB.",
            SmallDataSizeBytes, (server, bytes) => server with { MaxMessageSize = bytes }),
        ServerSetting("exchange.spool.max-streams-per-connection", "1000",
            "Concurrent calls (sinks, sources, control calls) one client connection may carry, advertised as HTTP/2's `SETTINGS_MAX_CONCURRENT_STREAMS` (1 to 100000). A busy Trino worker keeps a stream open per running sink and source; one beyond the limit waits in the client until another ends. An open stream costs the server a few kB, plus whatever its client sent that it has not read yet (at most the 1MB stream window, and all streams of a connection together at most its 64MB window).",
            Integer, (server, count) => server with { MaxStreamsPerConnection = count }),
        ServerSetting(ServerOptions.TlsCertificateFileKey, "",
            "A PEM file with the server's certificate (the first certificate in it): gRPC is then served over TLS (HTTP/2 by ALPN) instead of h2c. Read again when the file changes (a rotated Kubernetes secret), without a restart. See docs/security.md.",
            OptionalText, (server, path) => server with { TlsCertificateFile = path }),
        ServerSetting(ServerOptions.TlsKeyFileKey, "",
            "A PEM file with the certificate's unencrypted private key (PKCS#8, PKCS#1 or SEC1); required with `exchange.spool.tls.certificate-file`, read again with it.",
            OptionalText, (server, path) => server with { TlsKeyFile = path }),
        ServerSetting(ServerOptions.AuthTokenFileKey, "",
            "A file holding a shared secret (visible ASCII, a trailing line break ignored): every call must then carry `authorization: Bearer <token>`, else it fails with UNAUTHENTICATED (gRPC health stays open). Compared in constant time, never logged, read again when the file changes.",
            TokenFile, (server, path) => server with { AuthTokenFile = path }),
        ServerSetting("exchange.spool.log-level", "information",
            "The least severe log events written: `trace`, `debug`, `information`, `warning`, `error` or `critical`. Every failure that loses a sink, source or exchange is a `warning` naming its ids.",
            LogLevelName, (server, level) => server with { LogLevel = level }),
        ServerSetting("exchange.spool.log-format", "text",
            "`text`: one line per event on stdout; `json`: one JSON object per event (.NET's JSON console format), for log collectors.",
            LogFormatName, (server, format) => server with { LogFormat = format }),
        ServerSetting("exchange.spool.startup-check-timeout", "20s",
            "How long the start may take to prove every base directory writable (a probe file written, read and deleted in each); an unreachable or slow storage fails the start after it, naming `exchange.base-directories` and the directory.",
            PositiveDuration, (server, timeout) => server with { StartupCheckTimeout = timeout }),
        ServerSetting("exchange.spool.shutdown-grace-period", "30s",
            "On SIGTERM (or Ctrl-C) the server drains: `/readyz` and gRPC health turn not ready at once, new exchanges, sinks and sources are refused with `UNAVAILABLE` / `SHUTTING_DOWN` (which the plugin retries), and the sinks and sources under way get this long to finish; what is still running then is aborted (an unfinished sink's files are deleted; committed data is kept) and the server exits 0. Give Kubernetes' `terminationGracePeriodSeconds` this plus about 10s.",
            PositiveDuration, (server, period) => server with { ShutdownGracePeriod = period }),
        EncryptionSetting(EncryptionOptions.EnabledKey, "false",
            "AES-256-GCM per block with a key derived per exchange (HKDF-SHA256) from the master key. With no key configured a standalone server generates one; a cluster member refuses to start.",
            Boolean, (encryption, enabled) => encryption with { Enabled = enabled }),
        Secret(EncryptionOptions.KeySettingKey,
            "The current master key, base64 of 32 bytes; give it as the environment variable `EXCHANGE_SPOOL_ENCRYPTION_KEY` (e.g. from a Kubernetes Secret), not on the command line. Never logged.",
            MasterKey, (EncryptionOptions encryption, byte[]? key) => encryption with { Key = key }),
        EncryptionSetting(EncryptionOptions.KeyFileKey, "",
            "A file holding the current master key (base64 of 32 bytes); instead of `exchange.spool.encryption.key`.",
            MasterKeyFile, (encryption, key) => encryption with { KeyFromFile = key }),
        EncryptionSetting(EncryptionOptions.KeyIdKey, "1",
            "The current key's id, written into every new file's header; readers pick the key by it.",
            KeyId, (encryption, id) => encryption with { KeyId = id }),
        EncryptionSetting(EncryptionOptions.PreviousKeyFilesKey, "",
            "Keys kept after a rotation to read older files: comma-separated `id=path` entries (e.g. `1=/etc/spool/key-1`).",
            MasterKeyFiles, (encryption, keys) => encryption with { PreviousKeys = keys }),
        EncryptionSetting(EncryptionOptions.ClusterModeKey, "false",
            "`true` when several servers share storage (sidecars of one Trino cluster): encryption then requires a configured key, as servers with different keys cannot read each other's files.",
            Boolean, (encryption, cluster) => encryption with { ClusterMode = cluster }),
        EncryptionSetting(EncryptionOptions.DataDirectoryKey, "./spool-state",
            "Where a standalone server with encryption on and no key configured keeps the key it generates (file `encryption-master-key`, mode 0600).",
            OptionalText, (encryption, directory) => encryption with { DataDirectory = directory ?? "./spool-state" }),
        SpoolSetting("exchange.spool.compression", "none",
            "`none` or `lz4` (LZ4's block format, managed code): LZ4 per block, kept only when it saves at least 10%.",
            Compression, (spool, compression) => spool with { Compression = compression }),
        Checked("exchange.source-max-files-per-reader", "25", NoEffect, PositiveInteger),
        Checked("exchange.file-listing-parallelism", "50", NoEffect, PositiveInteger),
        .. StorageBackends.All.SelectMany(backend => backend.Settings),
    ];

    private static readonly Dictionary<string, SettingDefinition> ByKey = All.ToDictionary(definition => definition.Key);

    public static SettingDefinition? Find(string key) => ByKey.GetValueOrDefault(key);

    public static bool IsPluginKey(string key) => key.StartsWith(PluginKeyPrefix, StringComparison.Ordinal);

    /// <summary>Why an unknown key is refused; a key of a backend Trino knows and this build lacks says so, since that is the likely cause.</summary>
    public static string UnknownKeyProblem(string key) =>
        StorageBackends.MissingBackendOf(key) is { } backend
            ? $"unknown configuration key '{key}': the {backend} backend is not part of this build (it has {string.Join(", ", StorageBackends.All.Select(b => b.Kind))})"
            : $"unknown configuration key '{key}'";

    private static SettingDefinition SpoolSetting<T>(string key, string defaultText, string meaning, Func<string, string, T> parse, Func<SpoolOptions, T, SpoolOptions> bind) =>
        Bound(key, defaultText, meaning, parse, bind);

    private static SettingDefinition ServerSetting<T>(string key, string defaultText, string meaning, Func<string, string, T> parse, Func<ServerOptions, T, ServerOptions> bind) =>
        Bound(key, defaultText, meaning, parse, bind);

    private static SettingDefinition EncryptionSetting<T>(string key, string defaultText, string meaning, Func<string, string, T> parse, Func<EncryptionOptions, T, EncryptionOptions> bind) =>
        Bound(key, defaultText, meaning, parse, bind);

    /// <summary>Trino's own managers whose files the server reads as well (as the Stackable operator generates them).</summary>
    private static readonly string[] TrinoManagerNames = ["filesystem", "hdfs"];

    private static string RequireExchangeManagerName(string key, string name) =>
        name == ExchangeManagerName || TrinoManagerNames.Contains(name)
            ? name
            : throw new ConfigurationException(key, $"this file selects exchange manager '{name}'; exchange-spool serves '{ExchangeManagerName}' (and reads files written for 'filesystem' or 'hdfs')");
}
