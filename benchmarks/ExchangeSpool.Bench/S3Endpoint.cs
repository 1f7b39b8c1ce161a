using Amazon.Runtime;
using Amazon.S3;
using ExchangeSpool.ContractTests.S3;

namespace ExchangeSpool.Bench;

/// <summary>
/// The S3 server of the S3 section: <c>EXCHANGE_SPOOL_S3_ENDPOINT</c> with its keys (as the S3 tests
/// take them; MinIO, for instance), or else the tests' Ceph RADOS Gateway on loopback, stopped by pid
/// on dispose.
/// </summary>
public sealed class S3Endpoint : IAsyncDisposable
{
    private const string Region = "us-east-1";
    private readonly RadosGateway? _gateway;

    private S3Endpoint(Uri endpoint, string accessKey, string secretKey, RadosGateway? gateway)
    {
        Endpoint = endpoint;
        AccessKey = accessKey;
        SecretKey = secretKey;
        _gateway = gateway;
    }

    public Uri Endpoint { get; }
    public string AccessKey { get; }
    public string SecretKey { get; }
    public bool IsExternal => _gateway is null;
    public string Kind => _gateway is null ? $"external {Endpoint}" : "Ceph RADOS Gateway (memstore) on loopback";

    /// <summary>Why there is no S3 server to measure, or null when there is one.</summary>
    public static string? Unavailable =>
        Environment.GetEnvironmentVariable("EXCHANGE_SPOOL_S3_ENDPOINT") is { Length: > 0 } || RadosGateway.IsInstalled
            ? null
            : "no S3 server: install ceph-mon ceph-osd radosgw uuid-runtime or set EXCHANGE_SPOOL_S3_ENDPOINT";

    public static async Task<S3Endpoint> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("EXCHANGE_SPOOL_S3_ENDPOINT") is { Length: > 0 } endpoint)
        {
            return new S3Endpoint(new Uri(endpoint),
                Environment.GetEnvironmentVariable("EXCHANGE_SPOOL_S3_ACCESS_KEY") ?? throw new InvalidOperationException("EXCHANGE_SPOOL_S3_ACCESS_KEY is not set"),
                Environment.GetEnvironmentVariable("EXCHANGE_SPOOL_S3_SECRET_KEY") ?? throw new InvalidOperationException("EXCHANGE_SPOOL_S3_SECRET_KEY is not set"),
                gateway: null);
        }
        var gateway = await RadosGateway.StartAsync();
        return new S3Endpoint(gateway.Endpoint, gateway.AccessKey, gateway.SecretKey, gateway);
    }

    /// <summary>Configured as the spool's S3 backend configures its clients (path style, checksums only when required).</summary>
    public AmazonS3Client CreateClient() => new(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
    {
        ServiceURL = Endpoint.ToString(),
        AuthenticationRegion = Region,
        ForcePathStyle = true,
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    /// <summary>The server settings that point the spool at a bucket of this endpoint.</summary>
    public string[] ServerSettings(string bucket) =>
    [
        $"exchange.base-directories=s3://{bucket}/spool",
        $"exchange.s3.endpoint={Endpoint}",
        $"exchange.s3.region={Region}",
        "exchange.s3.path-style-access=true",
        $"exchange.s3.aws-access-key={AccessKey}",
        $"exchange.s3.aws-secret-key={SecretKey}",
    ];

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
            await _gateway.DisposeAsync();
    }
}
