using ExchangeSpool.Core.Configuration;
using static ExchangeSpool.Core.Configuration.SettingParsers;

namespace ExchangeSpool.Storage.S3;

/// <summary>The S3 backend's keys: Trino's <c>exchange.s3.*</c> names and defaults, plus ours under <c>exchange.spool.s3.*</c>; each binds into <see cref="S3Options"/>.</summary>
internal static class S3SettingDefinitions
{
    public static IReadOnlyList<SettingDefinition> All { get; } =
    [
        Bound(S3Options.EndpointKey, "",
            "An S3-compatible endpoint (`http://minio:9000`); unset for AWS. S3 needs this or `exchange.s3.region`.",
            Endpoint, (s3, endpoint) => s3 with { Endpoint = endpoint }),
        Bound(S3Options.RegionKey, "",
            "The AWS region (`us-east-1`); with an endpoint, the region requests are signed for.",
            OptionalText, (s3, region) => s3 with { Region = region }),
        Bound(S3Options.PathStyleAccessKey, "false",
            "Address buckets as `endpoint/bucket` instead of `bucket.endpoint` (MinIO, Ceph).",
            Boolean, (s3, pathStyle) => s3 with { PathStyleAccess = pathStyle }),
        Bound(S3Options.AccessKeyKey, "",
            "Static access key; with neither key set, the SDK's default chain is used (environment, web identity for Kubernetes IRSA, instance profile).",
            OptionalText, (s3, key) => s3 with { AccessKey = key }),
        Secret(S3Options.SecretKeyKey,
            "Static secret key, with `exchange.s3.aws-access-key`; give it as the environment variable `EXCHANGE_S3_AWS_SECRET_KEY`. Never logged.",
            OptionalText, (s3, key) => s3 with { SecretKey = key }),
        Bound(S3Options.IamRoleKey, "",
            "An IAM role (ARN) to assume through STS with the default credential chain's identity, renewed 5 minutes before the session expires; not together with `exchange.s3.aws-access-key` (as in Trino).",
            OptionalText, (s3, role) => s3 with { IamRole = role }),
        Bound(S3Options.ExternalIdKey, "",
            "The external id the role's trust policy requires, with `exchange.s3.iam-role`.",
            OptionalText, (s3, id) => s3 with { ExternalId = id }),
        Bound(S3Options.StsEndpointKey, "",
            "Where `exchange.s3.iam-role` is assumed: unset means `exchange.s3.endpoint` when that is set (MinIO and Ceph serve STS on the S3 endpoint), else the AWS STS endpoint of `exchange.s3.region`.",
            Endpoint, (s3, endpoint) => s3 with { StsEndpoint = endpoint }),
        Bound(S3Options.MaxErrorRetriesKey, "10",
            "Retries of a request that was throttled (503 SlowDown, 429), failed with a 5xx, timed out or lost its connection; exponential backoff with jitter.",
            Integer, (s3, retries) => s3 with { MaxErrorRetries = retries }),
        Bound(S3Options.PartSizeKey, "5MB",
            "Multipart part size (5MB to 256MB): a file smaller than one part is one PUT; a writer holds at most 3 parts, a reader 2 windows of this size.",
            DataSizeBytes, (s3, bytes) => s3 with { PartSize = bytes }),
        Bound(S3Options.StorageClassKey, "STANDARD",
            "The storage class of spooled objects (`STANDARD`, `INTELLIGENT_TIERING`, ...).",
            StorageClass, (s3, storageClass) => s3 with { StorageClass = storageClass }),
        Bound(S3Options.SseTypeKey, "NONE",
            "Server-side encryption by S3: `NONE`, `S3` (SSE-S3) or `KMS` (SSE-KMS, with `exchange.s3.sse.kms-key-id`).",
            ServerSideEncryption, (s3, sse) => s3 with { SseType = sse }),
        Bound(S3Options.SseKmsKeyIdKey, "",
            "The KMS key of `exchange.s3.sse.type=KMS`.",
            OptionalText, (s3, keyId) => s3 with { SseKmsKeyId = keyId }),
        Bound(S3Options.CaCertificateFileKey, "",
            "A PEM file with the CA that signed an https endpoint's certificate (MinIO with a private CA); added to the system's trust for S3 only.",
            OptionalText, (s3, file) => s3 with { CaCertificateFile = file }),
        Bound(S3Options.RequestTimeoutKey, "2m",
            "The longest one attempt of one S3 request may take.",
            PositiveDuration, (s3, timeout) => s3 with { RequestTimeout = timeout }),
        Bound(S3Options.MaxRetryTimeKey, "3m",
            "The longest all attempts of one S3 request may take together; then the sink or source fails naming bucket, key and S3 error code.",
            PositiveDuration, (s3, time) => s3 with { MaxRetryTime = time }),
        Bound(S3Options.DeleteRequestsPerSecondKey, "10",
            "Multi-object delete calls (up to 1000 keys each) per second per bucket when exchanges are deleted, so cleanup does not throttle writers.",
            Integer, (s3, rate) => s3 with { DeleteRequestsPerSecond = rate }),
    ];

    private static SettingDefinition Bound<T>(string key, string defaultText, string meaning, Func<string, string, T> parse, Func<S3Options, T, S3Options> bind) =>
        SettingDefinition.Bound(key, defaultText, meaning, parse, bind);

    private static SettingDefinition Secret<T>(string key, string meaning, Func<string, string, T> parse, Func<S3Options, T, S3Options> bind) =>
        SettingDefinition.Secret(key, meaning, parse, bind);

    private static Uri? Endpoint(string key, string text) =>
        text.Length == 0
            ? null
            : Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? uri
                : throw new ConfigurationException(key, $"'{text}' is not an http(s) URL (examples: http://minio:9000, https://s3.example.com)");

    private static readonly (string Name, S3ServerSideEncryption Value)[] ServerSideEncryptions =
        [("NONE", S3ServerSideEncryption.None), ("S3", S3ServerSideEncryption.S3), ("KMS", S3ServerSideEncryption.Kms)];

    /// <summary>S3's storage classes, as Trino's <c>exchange.s3.storage-class</c> takes them.</summary>
    private static readonly (string Name, string Value)[] StorageClasses =
        [.. new[]
        {
            "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER",
            "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE",
        }.Select(name => (name, name))];

    private static S3ServerSideEncryption ServerSideEncryption(string key, string text) => OneOf(key, text, ServerSideEncryptions);

    private static string StorageClass(string key, string text) => OneOf(key, text, StorageClasses);
}
