namespace ExchangeSpool.Storage.Azure;

/// <summary>
/// How the Azure backend reaches its containers. Keys and defaults are Trino's
/// (<c>exchange.azure.*</c>) where the meaning is the same; timeouts and the delete rate are ours.
/// </summary>
public sealed record AzureOptions
{
    public const long MiB = 1024 * 1024;
    public const long MinBlockSize = 4 * MiB;
    public const long MaxBlockSize = 256 * MiB;

    public const string ConnectionStringKey = "exchange.azure.connection-string";
    public const string EndpointKey = "exchange.azure.endpoint";
    public const string BlockSizeKey = "exchange.azure.block-size";
    public const string MaxErrorRetriesKey = "exchange.azure.max-error-retries";
    public const string RequestTimeoutKey = "exchange.spool.azure.request-timeout";
    public const string MaxRetryTimeKey = "exchange.spool.azure.max-retry-time";
    public const string DeleteRequestsPerSecondKey = "exchange.spool.azure.delete-requests-per-second";

    /// <summary>
    /// A storage connection string (account key or SAS). Its Blob endpoint is used, whatever host the
    /// base directory names, so that Azurite's <c>devstoreaccount1</c> can stand in for an account;
    /// its account must still be the one each base directory names. Secret: never logged.
    /// </summary>
    public string? ConnectionString { get; init; }

    /// <summary>
    /// The Blob service endpoint (<c>https://account.blob.core.windows.net</c>), authenticated with the
    /// default Azure credential chain (workload identity, managed identity, environment). With neither
    /// this nor a connection string, each base directory's own account host is used the same way.
    /// </summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Bytes of one staged block, and of one ranged read; a file smaller than one block is a single upload.</summary>
    public long BlockSize { get; init; } = 4 * MiB;

    /// <summary>Retries of one request after its first attempt, within <see cref="MaxRetryTime"/>.</summary>
    public int MaxErrorRetries { get; init; } = 10;

    /// <summary>One attempt of one request, connect to last byte.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>All attempts of one request together: retries stop once this much time has passed.</summary>
    public TimeSpan MaxRetryTime { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Blob deletes per second per container when exchanges are deleted, so that cleanup does not throttle writers.</summary>
    public int DeleteRequestsPerSecond { get; init; } = 200;

    /// <summary>Returns the first invalid setting as (key, problem), or null when all are valid.</summary>
    public (string Key, string Problem)? FindInvalidSetting()
    {
        if (ConnectionString is not null && Endpoint is not null)
            return (EndpointKey, $"set {ConnectionStringKey} or {EndpointKey}, not both");
        if (Endpoint is not null && Endpoint.Scheme is not ("http" or "https"))
            return (EndpointKey, $"'{Endpoint}' must be an http:// or https:// URL");
        if (MaxErrorRetries < 0)
            return (MaxErrorRetriesKey, "must be at least 0");
        if (BlockSize is < MinBlockSize or > MaxBlockSize)
            return (BlockSizeKey, "must be between 4MB and 256MB");
        if (RequestTimeout <= TimeSpan.Zero)
            return (RequestTimeoutKey, "must be positive");
        if (MaxRetryTime < RequestTimeout)
            return (MaxRetryTimeKey, $"must be at least {RequestTimeoutKey}");
        if (DeleteRequestsPerSecond < 1)
            return (DeleteRequestsPerSecondKey, "must be at least 1");
        return null;
    }
}
