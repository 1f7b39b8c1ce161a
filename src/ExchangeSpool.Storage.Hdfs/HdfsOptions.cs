using ExchangeSpool.Core.Configuration;

namespace ExchangeSpool.Storage.Hdfs;

/// <summary>
/// How the HDFS backend reaches its cluster over WebHDFS. Keys are Trino's where the meaning is the
/// same (<c>exchange.hdfs.*</c>, <c>hdfs.config.resources</c>); the user, CA file, timeouts and
/// retries are ours. Namenode addresses, HA and the HTTP policy come from the Hadoop XML files.
/// </summary>
public sealed record HdfsOptions
{
    public const long MiB = 1024 * 1024;
    public const long MinBlockSize = 4 * MiB;
    public const long MaxBlockSize = 256 * MiB;

    public const string BlockSizeKey = "exchange.hdfs.block-size";
    public const string SkipDirectorySchemeValidationKey = "exchange.hdfs.skip-directory-scheme-validation";
    public const string ConfigResourcesKey = "hdfs.config.resources";
    public const string UserKey = "exchange.hdfs.user";
    public const string CaCertificateFileKey = "exchange.spool.hdfs.ca-certificate-file";
    public const string MaxErrorRetriesKey = "exchange.spool.hdfs.max-error-retries";
    public const string RequestTimeoutKey = "exchange.spool.hdfs.request-timeout";
    public const string MaxRetryTimeKey = "exchange.spool.hdfs.max-retry-time";

    /// <summary>The append unit: a writer sends its data in appends of this size and holds at most two such buffers.</summary>
    public long BlockSize { get; init; } = 4 * MiB;

    /// <summary>core-site.xml, hdfs-site.xml and the like, read in order (a later file overrides an earlier one).</summary>
    public IReadOnlyList<string> ConfigResources { get; init; } = [];

    /// <summary>The <c>user.name</c> of simple authentication; null for the server's own user.</summary>
    public string? User { get; init; }

    /// <summary>A PEM file of the CA that signed the namenodes' and datanodes' certificates (<c>dfs.http.policy=HTTPS_ONLY</c>).</summary>
    public string? CaCertificateFile { get; init; }

    /// <summary>Retries of one request after its first attempt, within <see cref="MaxRetryTime"/>; a failover to the other namenode is one.</summary>
    public int MaxErrorRetries { get; init; } = 10;

    /// <summary>One attempt of one request (both steps of a redirected one), connect to last byte.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>All attempts of one request together: retries stop once this much time has passed.</summary>
    public TimeSpan MaxRetryTime { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>The user requests are made as.</summary>
    public string EffectiveUser => User ?? Environment.UserName;

    /// <summary>Returns the first invalid setting as (key, problem), or null when all are valid.</summary>
    public (string Key, string Problem)? FindInvalidSetting()
    {
        if (BlockSize is < MinBlockSize or > MaxBlockSize)
            return (BlockSizeKey, "must be between 4MB and 256MB");
        if (ConfigResources.FirstOrDefault(file => !File.Exists(file)) is { } missing)
            return (ConfigResourcesKey, $"file '{missing}' does not exist");
        if (User is { } user && (user.Length == 0 || user.Any(c => char.IsWhiteSpace(c) || c is '&' or '=' or '/')))
            return (UserKey, $"'{user}' is not a user name");
        try
        {
            NamenodeAddresses.Validate(HadoopConfiguration.Load(ConfigResources));
        }
        catch (ConfigurationException e)
        {
            return (e.Subject, e.Problem);
        }
        if (CaCertificateFile is not null && !File.Exists(CaCertificateFile))
            return (CaCertificateFileKey, $"file '{CaCertificateFile}' does not exist");
        if (MaxErrorRetries < 0)
            return (MaxErrorRetriesKey, "must be at least 0");
        if (RequestTimeout <= TimeSpan.Zero)
            return (RequestTimeoutKey, "must be positive");
        if (MaxRetryTime < RequestTimeout)
            return (MaxRetryTimeKey, $"must be at least {RequestTimeoutKey}");
        return null;
    }
}
