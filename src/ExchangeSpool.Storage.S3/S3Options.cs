namespace ExchangeSpool.Storage.S3;

/// <summary>Server-side encryption S3 applies to every object written (<c>exchange.s3.sse.type</c>).</summary>
public enum S3ServerSideEncryption
{
    None,
    S3,
    Kms,
}

/// <summary>
/// How the S3 backend reaches its buckets. Keys and defaults are Trino's (<c>exchange.s3.*</c>)
/// where the meaning is the same; the CA file, timeouts and retry time are ours.
/// </summary>
public sealed record S3Options
{
    public const long MiB = 1024 * 1024;
    public const long MinPartSize = 5 * MiB;
    public const long MaxPartSize = 256 * MiB;

    public const string EndpointKey = "exchange.s3.endpoint";
    public const string RegionKey = "exchange.s3.region";
    public const string PathStyleAccessKey = "exchange.s3.path-style-access";
    public const string AccessKeyKey = "exchange.s3.aws-access-key";
    public const string SecretKeyKey = "exchange.s3.aws-secret-key";
    public const string IamRoleKey = "exchange.s3.iam-role";
    public const string ExternalIdKey = "exchange.s3.external-id";
    public const string StsEndpointKey = "exchange.spool.s3.sts-endpoint";
    public const string MaxErrorRetriesKey = "exchange.s3.max-error-retries";
    public const string PartSizeKey = "exchange.s3.upload.part-size";
    public const string StorageClassKey = "exchange.s3.storage-class";
    public const string SseTypeKey = "exchange.s3.sse.type";
    public const string SseKmsKeyIdKey = "exchange.s3.sse.kms-key-id";
    public const string CaCertificateFileKey = "exchange.spool.s3.ca-certificate-file";
    public const string RequestTimeoutKey = "exchange.spool.s3.request-timeout";
    public const string MaxRetryTimeKey = "exchange.spool.s3.max-retry-time";
    public const string DeleteRequestsPerSecondKey = "exchange.spool.s3.delete-requests-per-second";

    /// <summary>An S3-compatible endpoint such as <c>http://minio:9000</c>; null for AWS in <see cref="Region"/>.</summary>
    public Uri? Endpoint { get; init; }

    public string? Region { get; init; }

    /// <summary>Bucket in the path (<c>host/bucket/key</c>) rather than the host name; MinIO and Ceph want it.</summary>
    public bool PathStyleAccess { get; init; }

    /// <summary>Static credentials; when both are null the SDK's default chain is used (environment, web identity for IRSA, instance profile).</summary>
    public string? AccessKey { get; init; }

    public string? SecretKey { get; init; }

    /// <summary>A role to assume through STS with the default chain's credentials (Trino's rule: never with static keys).</summary>
    public string? IamRole { get; init; }

    /// <summary>The external id the role's trust policy asks for; only with <see cref="IamRole"/>.</summary>
    public string? ExternalId { get; init; }

    /// <summary>Where AssumeRole goes: this, else <see cref="Endpoint"/> (MinIO and Ceph serve STS there), else AWS STS of <see cref="Region"/>.</summary>
    public Uri? StsEndpoint { get; init; }

    /// <summary>Retries of one request after its first attempt, within <see cref="MaxRetryTime"/>.</summary>
    public int MaxErrorRetries { get; init; } = 10;

    /// <summary>Bytes of one multipart part; a file smaller than one part is a single PUT.</summary>
    public long PartSize { get; init; } = 5 * MiB;

    public string StorageClass { get; init; } = "STANDARD";

    public S3ServerSideEncryption SseType { get; init; } = S3ServerSideEncryption.None;

    public string? SseKmsKeyId { get; init; }

    /// <summary>A PEM file of the CA that signed the endpoint's certificate (MinIO with a private CA).</summary>
    public string? CaCertificateFile { get; init; }

    /// <summary>One attempt of one request, connect to last byte.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>All attempts of one request together: retries stop once this much time has passed.</summary>
    public TimeSpan MaxRetryTime { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Multi-object delete calls per second per bucket, so that cleanup does not provoke throttling.</summary>
    public int DeleteRequestsPerSecond { get; init; } = 10;

    /// <summary>Returns the first invalid setting as (key, problem), or null when all are valid.</summary>
    public (string Key, string Problem)? FindInvalidSetting()
    {
        if (Endpoint is null && Region is null)
            return (RegionKey, $"S3 base directories need {RegionKey} or {EndpointKey}");
        if (Endpoint is not null && Endpoint.Scheme is not ("http" or "https"))
            return (EndpointKey, $"'{Endpoint}' must be an http:// or https:// URL");
        if ((AccessKey is null) != (SecretKey is null))
            return (AccessKey is null ? AccessKeyKey : SecretKeyKey, $"set both {AccessKeyKey} and {SecretKeyKey}, or neither (to use the default credential chain)");
        if (IamRole is not null && AccessKey is not null)
            return (IamRoleKey, $"is not compatible with {AccessKeyKey}: the role is assumed with the default credential chain; set only one of them");
        if (ExternalId is not null && IamRole is null)
            return (ExternalIdKey, $"is only used with {IamRoleKey}");
        if (StsEndpoint is not null && IamRole is null)
            return (StsEndpointKey, $"is only used with {IamRoleKey}");
        if (StsEndpoint is not null && StsEndpoint.Scheme != Uri.UriSchemeHttp && StsEndpoint.Scheme != Uri.UriSchemeHttps)
            return (StsEndpointKey, $"'{StsEndpoint}' must be an http:// or https:// URL");
        if (MaxErrorRetries < 0)
            return (MaxErrorRetriesKey, "must be at least 0");
        if (PartSize is < MinPartSize or > MaxPartSize)
            return (PartSizeKey, "must be between 5MB and 256MB");
        if (SseType == S3ServerSideEncryption.Kms && SseKmsKeyId is null)
            return (SseKmsKeyIdKey, $"is required when {SseTypeKey}=KMS");
        if (SseType != S3ServerSideEncryption.Kms && SseKmsKeyId is not null)
            return (SseKmsKeyIdKey, $"is only used with {SseTypeKey}=KMS");
        if (CaCertificateFile is not null && !File.Exists(CaCertificateFile))
            return (CaCertificateFileKey, $"file '{CaCertificateFile}' does not exist");
        if (CaCertificateFile is not null && Endpoint?.Scheme != "https")
            return (CaCertificateFileKey, $"needs an https:// {EndpointKey}");
        if (RequestTimeout <= TimeSpan.Zero)
            return (RequestTimeoutKey, "must be positive");
        if (MaxRetryTime < RequestTimeout)
            return (MaxRetryTimeKey, $"must be at least {RequestTimeoutKey}");
        if (DeleteRequestsPerSecond < 1)
            return (DeleteRequestsPerSecondKey, "must be at least 1");
        return null;
    }
}
