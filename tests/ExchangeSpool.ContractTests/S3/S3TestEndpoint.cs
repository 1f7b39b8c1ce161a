using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using ExchangeSpool.Storage.S3;

namespace ExchangeSpool.ContractTests.S3;

/// <summary>
/// The S3 server every S3 test talks to: the endpoint in <c>EXCHANGE_SPOOL_S3_ENDPOINT</c> (with
/// <c>EXCHANGE_SPOOL_S3_ACCESS_KEY</c> and <c>EXCHANGE_SPOOL_S3_SECRET_KEY</c>), or else one started
/// once for the whole test run: a <see cref="MinioContainer"/> where a Docker engine is reachable, a
/// <see cref="RadosGateway"/> otherwise. The benchmark harness compiles this file in too, for its S3 section.
/// </summary>
public sealed class S3TestEndpoint : IAsyncDisposable
{
    public const string EndpointVariable = "EXCHANGE_SPOOL_S3_ENDPOINT";
    public const string AccessKeyVariable = "EXCHANGE_SPOOL_S3_ACCESS_KEY";
    public const string SecretKeyVariable = "EXCHANGE_SPOOL_S3_SECRET_KEY";
    public const string Region = "us-east-1";

    private static readonly SharedPerRun<S3TestEndpoint> Shared = new(StartAsync, StopAsync);

    private static readonly SharedPerRun<S3TestEndpoint> SharedGateway = new(StartGatewayAsync, StopAsync);

    private readonly IAsyncDisposable? _server;

    private S3TestEndpoint(Uri endpoint, string accessKey, string secretKey, IAsyncDisposable? server)
    {
        Endpoint = endpoint;
        AccessKey = accessKey;
        SecretKey = secretKey;
        _server = server;
    }

    public Uri Endpoint { get; }

    public string AccessKey { get; }

    public string SecretKey { get; }

    /// <summary>The RADOS Gateway this run started, or null for MinIO or an external endpoint.</summary>
    public RadosGateway? Gateway => _server as RadosGateway;

    public static Task<S3TestEndpoint> SharedAsync() => Shared.GetAsync();

    /// <summary>
    /// The shared endpoint when it is a RADOS Gateway, else one started for the tests that need
    /// its STS and roles (MinIO and an external endpoint have neither set up).
    /// </summary>
    public static async Task<S3TestEndpoint> SharedGatewayAsync()
    {
        var shared = await SharedAsync();
        return shared.Gateway is not null ? shared : await SharedGateway.GetAsync();
    }

    public static Task StopSharedAsync() => Task.WhenAll(Shared.StopAsync(), SharedGateway.StopAsync());

    private static async Task StopAsync(S3TestEndpoint shared)
    {
        await shared.DisposeAsync();
        if (shared.Gateway is { } gateway)
            Console.WriteLine($"RADOS Gateway: started in {gateway.StartTime.TotalSeconds:F1}s, stopped in {gateway.StopTime.TotalSeconds:F1}s");
    }

    /// <summary>Why there is no S3 server to use here, or null when there is one.</summary>
    public static string? Unavailable =>
        Environment.GetEnvironmentVariable(EndpointVariable) is { Length: > 0 } || MinioContainer.DockerIsReachable || RadosGateway.IsInstalled
            ? null
            : $"no S3 server: install ceph-mon ceph-osd radosgw uuid-runtime (tests/run-all.sh does), make a Docker engine reachable, or set {EndpointVariable}";

    /// <summary>An endpoint of the caller's own; disposing it stops the gateway it started.</summary>
    public static async Task<S3TestEndpoint> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(EndpointVariable) is { Length: > 0 } endpoint)
        {
            return new S3TestEndpoint(new Uri(endpoint),
                Environment.GetEnvironmentVariable(AccessKeyVariable) ?? throw new InvalidOperationException($"{EndpointVariable} is set but {AccessKeyVariable} is not"),
                Environment.GetEnvironmentVariable(SecretKeyVariable) ?? throw new InvalidOperationException($"{EndpointVariable} is set but {SecretKeyVariable} is not"),
                server: null);
        }
        if (Unavailable is { } reason)
            throw new InvalidOperationException(reason);
        if (MinioContainer.DockerIsReachable)
        {
            var minio = await MinioContainer.StartAsync();
            return new S3TestEndpoint(minio.Endpoint, minio.AccessKey, minio.SecretKey, minio);
        }
        return await StartGatewayAsync();
    }

    private static async Task<S3TestEndpoint> StartGatewayAsync()
    {
        var gateway = await RadosGateway.StartAsync();
        return new S3TestEndpoint(gateway.Endpoint, gateway.AccessKey, gateway.SecretKey, gateway);
    }

    /// <summary>What the endpoint is, for reports.</summary>
    public string Kind => _server switch
    {
        RadosGateway => "Ceph RADOS Gateway (memstore) on loopback",
        MinioContainer => $"MinIO ({MinioContainer.Image}) in a container",
        _ => $"external {Endpoint}",
    };

    public ValueTask DisposeAsync() => _server?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>The S3 backend's options for this endpoint, or for a proxy in front of it.</summary>
    public S3Options Options(Uri? through = null) => new()
    {
        Endpoint = through ?? Endpoint,
        Region = Region,
        PathStyleAccess = true,
        AccessKey = AccessKey,
        SecretKey = SecretKey,
    };

    /// <summary>The settings (<c>key=value</c>) that point a spool server at this endpoint (or a proxy in front of it).</summary>
    public IEnumerable<string> ServerSettings(Uri? through = null) =>
    [
        $"exchange.s3.endpoint={through ?? Endpoint}",
        $"exchange.s3.region={Region}",
        "exchange.s3.path-style-access=true",
        $"exchange.s3.aws-access-key={AccessKey}",
        $"exchange.s3.aws-secret-key={SecretKey}",
    ];

    /// <summary>The same as command-line options.</summary>
    public IEnumerable<string> ServerArguments(Uri? through = null) => ServerSettings(through).Select(setting => $"--{setting}");

    /// <summary>A client for the tests' own checks, configured as the backend configures its clients.</summary>
    public AmazonS3Client CreateClient() => new(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
    {
        ServiceURL = Endpoint.ToString(),
        AuthenticationRegion = Region,
        ForcePathStyle = true,
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    /// <summary>New buckets with unique names, so runs against a shared external endpoint do not collide.</summary>
    public async Task<string[]> CreateBucketsAsync(int count)
    {
        using var client = CreateClient();
        var run = Guid.NewGuid().ToString("N")[..10];
        var names = Enumerable.Range(0, count).Select(i => $"spool-test-{run}-{i}").ToArray();
        foreach (var name in names)
            await client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return names;
    }

    /// <summary>Empties and removes buckets on an external endpoint; a server of ours takes them with it when it stops.</summary>
    public async Task DeleteBucketsAsync(IEnumerable<string> names)
    {
        if (_server is not null)
            return;
        using var client = CreateClient();
        foreach (var name in names)
        {
            foreach (var key in await ListKeysAsync(client, name, ""))
                await client.DeleteObjectAsync(name, key);
            foreach (var upload in (await client.ListMultipartUploadsAsync(name)).MultipartUploads ?? [])
                await client.AbortMultipartUploadAsync(name, upload.Key, upload.UploadId);
            await client.DeleteBucketAsync(name);
        }
    }

    public static async Task<List<string>> ListKeysAsync(IAmazonS3 client, string bucket, string prefix)
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await client.ListObjectsV2Async(request);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        return keys;
    }
}
