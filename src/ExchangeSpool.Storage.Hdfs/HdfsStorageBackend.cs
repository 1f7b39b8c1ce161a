using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Storage;
using static ExchangeSpool.Core.Configuration.SettingDefinition;
using static ExchangeSpool.Core.Configuration.SettingParsers;

namespace ExchangeSpool.Storage.Hdfs;

/// <summary>HDFS over WebHDFS: <c>hdfs://nameservice/path</c> with the cluster's Hadoop XML, or <c>webhdfs://</c> / <c>swebhdfs://</c> HTTP addresses.</summary>
public sealed class HdfsStorageBackend : IStorageBackend
{
    public string Kind => "hdfs";

    public IReadOnlyList<string> Schemes => HdfsLocation.Schemes;

    public string BaseDirectoryDescription =>
        "HDFS directories over WebHDFS (`hdfs://nameservice/path` with `hdfs.config.resources`, or `webhdfs://host:port/path` for a namenode or HttpFS gateway)";

    public IReadOnlyList<SettingDefinition> Settings { get; } =
    [
        Bound<HdfsOptions, IReadOnlyList<string>>(HdfsOptions.ConfigResourcesKey, "",
            "HDFS: comma-separated Hadoop XML files (`/etc/hadoop/conf/core-site.xml,/etc/hadoop/conf/hdfs-site.xml`) giving `fs.defaultFS`, the HA nameservices with their namenodes' HTTP(S) addresses and `dfs.http.policy`; `hadoop.security.authentication=kerberos` is refused at start (not supported yet).",
            FileList, (hdfs, files) => hdfs with { ConfigResources = files }),
        Bound<HdfsOptions, long>(HdfsOptions.BlockSizeKey, "4MB",
            "HDFS: the append unit (4MB to 256MB): a file is written in appends of this size, one in flight while the next fills, both buffers charged to `exchange.spool.memory-limit`; a reader holds 2 windows of this size.",
            DataSizeBytes, (hdfs, bytes) => hdfs with { BlockSize = bytes }),
        Checked(HdfsOptions.SkipDirectorySchemeValidationKey, "false",
            "HDFS: accepted for compatibility with Trino's file; no effect (WebHDFS serves only `hdfs://`, `webhdfs://` and `swebhdfs://`).",
            Boolean),
        Bound<HdfsOptions, string?>(HdfsOptions.UserKey, "",
            "HDFS: the user requests are made as (`user.name` of simple authentication); empty: the user the server runs as.",
            OptionalText, (hdfs, user) => hdfs with { User = user }),
        Bound<HdfsOptions, string?>(HdfsOptions.CaCertificateFileKey, "",
            "HDFS: a PEM file with the CA that signed the namenodes' and datanodes' certificates (`dfs.http.policy=HTTPS_ONLY` or `swebhdfs://` with a private CA); added to the system's trust for HDFS only.",
            OptionalText, (hdfs, file) => hdfs with { CaCertificateFile = file }),
        Bound<HdfsOptions, int>(HdfsOptions.MaxErrorRetriesKey, "10",
            "HDFS: retries of a request that failed with a 5xx, a busy or recovering namenode, a timeout or a lost connection, or met a standby namenode (each failover to the other namenode is one); exponential backoff with jitter.",
            Integer, (hdfs, retries) => hdfs with { MaxErrorRetries = retries }),
        Bound<HdfsOptions, TimeSpan>(HdfsOptions.RequestTimeoutKey, "2m",
            "HDFS: the longest one attempt of one WebHDFS request (namenode and datanode steps together) may take.",
            PositiveDuration, (hdfs, timeout) => hdfs with { RequestTimeout = timeout }),
        Bound<HdfsOptions, TimeSpan>(HdfsOptions.MaxRetryTimeKey, "3m",
            "HDFS: the longest all attempts of one request may take together; then the sink or source fails naming the operation, the path and the Hadoop exception.",
            PositiveDuration, (hdfs, time) => hdfs with { MaxRetryTime = time }),
    ];

    /// <summary>Checked as written; <c>hdfs:///path</c> gets its cluster from <c>fs.defaultFS</c> when the storage is created.</summary>
    public IReadOnlyList<string> ParseBaseDirectories(string key, IReadOnlyList<string> entries) =>
        entries.Select(entry =>
        {
            try
            {
                return HdfsLocation.Parse(entry).ToString();
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException(key, e.Message);
            }
        }).ToArray();

    public (string Key, string Problem)? FindInvalidSetting(BoundOptions options) => options.Get<HdfsOptions>().FindInvalidSetting();

    public IExchangeStorage Create(IReadOnlyList<string> baseDirectories, BoundOptions options, StorageContext context) =>
        new HdfsStorage(baseDirectories, options.Get<HdfsOptions>(), context.Budget);

    private static IReadOnlyList<string> FileList(string key, string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
