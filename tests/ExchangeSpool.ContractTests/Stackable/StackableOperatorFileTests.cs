using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ExchangeSpool.Client;
using ExchangeSpool.ContractTests.Hdfs;
using ExchangeSpool.ContractTests.S3;
using ExchangeSpool.Server.Tests.Process;
using Grpc.Core;
using static ExchangeSpool.ContractTests.EngineDriver;

namespace ExchangeSpool.ContractTests.Stackable;

/// <summary>
/// The real program on <c>exchange-manager.properties</c> exactly as the Stackable operator writes it
/// (keys sorted, <c>:</c> and <c>=</c> escaped, credentials as <c>${ENV:...}</c>) plus the two
/// configuration overrides the docs add (<c>exchange-manager.name=spool</c>, the spool address).
/// </summary>
[Collection(S3Collection.Name)]
public sealed class StackableOperatorFileTests : IAsyncLifetime
{
    private static readonly string[] Overrides = ["exchange-manager.name=spool", "exchange.spool.address=127.0.0.1\\:9477"];

    private readonly string _directory = Directory.CreateTempSubdirectory("spool-stackable-").FullName;
    private S3TestEndpoint _s3 = null!;
    private string _bucket = null!;

    public async Task InitializeAsync()
    {
        _s3 = await S3TestEndpoint.SharedAsync();
        _bucket = (await _s3.CreateBucketsAsync(1))[0];
    }

    public async Task DisposeAsync()
    {
        await _s3.DeleteBucketsAsync([_bucket]);
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task S3File_WithCredentialsOnlyInTheEnvironment_RoundTripsAnExchange()
    {
        var file = WriteOperatorFile($$"""
            exchange-manager.name=filesystem
            exchange.base-directories=s3\://{{_bucket}}/spool
            exchange.s3.aws-access-key=${ENV\:EXCHANGE_S3_AWS_ACCESS_KEY}
            exchange.s3.aws-secret-key=${ENV\:EXCHANGE_S3_AWS_SECRET_KEY}
            exchange.s3.endpoint={{Escape(_s3.Endpoint.ToString())}}
            exchange.s3.max-error-retries=5
            exchange.s3.path-style-access=true
            exchange.s3.region=us-east-1
            exchange.s3.upload.part-size=10485760B
            exchange.sink-buffer-pool-min-size=20
            exchange.sink-buffers-per-partition=4
            exchange.sink-max-file-size=2147483648B
            exchange.source-concurrent-readers=8
            """);

        using var server = await SpoolProcess.StartWithConfigAsync(file, new Dictionary<string, string>
        {
            ["EXCHANGE_S3_AWS_ACCESS_KEY"] = _s3.AccessKey,
            ["EXCHANGE_S3_AWS_SECRET_KEY"] = _s3.SecretKey,
        });

        await AssertRoundTripAsync(server);
        Assert.Contains("setting exchange.sink-max-file-size=2147483648B (file)", server.Output);
        // The operator's variable names happen to be the keys' own environment variables, which also set them.
        Assert.Contains("setting exchange.s3.aws-secret-key=(set, not shown)", server.Output);
        Assert.DoesNotContain(_s3.SecretKey, server.Output);
    }

    [Fact]
    public async Task S3FileOverTls_WithTheCaFromTheSecretOperator_Starts()
    {
        var caFile = Path.Combine(_directory, "ca.crt");
        await File.WriteAllTextAsync(caFile, SelfSignedCertificatePem());
        var file = WriteOperatorFile($$"""
            exchange-manager.name=filesystem
            exchange.base-directories=s3\://exchange-bucket/spool
            exchange.s3.aws-access-key=${ENV\:EXCHANGE_S3_AWS_ACCESS_KEY}
            exchange.s3.aws-secret-key=${ENV\:EXCHANGE_S3_AWS_SECRET_KEY}
            exchange.s3.endpoint=https\://minio.default.svc.cluster.local\:9000/
            exchange.s3.path-style-access=true
            exchange.s3.region=us-east-1
            """, $"exchange.spool.s3.ca-certificate-file={Escape(caFile)}");

        using var server = await SpoolProcess.StartWithConfigAsync(file, new Dictionary<string, string>
        {
            ["EXCHANGE_S3_AWS_ACCESS_KEY"] = "minio-access",
            ["EXCHANGE_S3_AWS_SECRET_KEY"] = "minio-secret",
        });

        Assert.Contains("setting exchange.s3.endpoint=https://minio.default.svc.cluster.local:9000/ (file)", server.Output);
        Assert.Contains($"setting exchange.spool.s3.ca-certificate-file={caFile} (file)", server.Output);
    }

    [Fact]
    public async Task LocalFile_RoundTripsAnExchange()
    {
        var spool = Path.Combine(_directory, "spool");
        var file = WriteOperatorFile($"""
            exchange-manager.name=filesystem
            exchange.base-directories={Escape(spool)}
            exchange.sink-max-file-size=1073741824B
            """);

        using var server = await SpoolProcess.StartWithConfigAsync(file, new Dictionary<string, string>());

        await AssertRoundTripAsync(server);
        Assert.NotEmpty(Directory.EnumerateFileSystemEntries(spool));
    }

    [Fact]
    public async Task HdfsFile_WithTheDiscoveryConfigMapsXml_RoundTripsAnExchange()
    {
        await using var hdfs = await WebHdfsTestServer.StartAsync();
        var xml = hdfs.WriteHadoopXml(Path.Combine(_directory, "exchange-hdfs-config"));
        var file = WriteOperatorFile($"""
            exchange-manager.name=hdfs
            exchange.base-directories=hdfs\://{WebHdfsTestServer.Nameservice}/trino-exchange
            exchange.hdfs.block-size=8388608B
            exchange.hdfs.skip-directory-scheme-validation=true
            hdfs.config.resources={Escape(string.Join(',', xml))}
            """);

        using var server = await SpoolProcess.StartWithConfigAsync(file, new Dictionary<string, string>());

        await AssertRoundTripAsync(server);
        Assert.Contains("setting exchange.hdfs.block-size=8388608B (file)", server.Output);
    }

    [Fact]
    public async Task IamRole_IsAssumedThroughSts_WithTheDefaultChainsIdentity()
    {
        var (s3, gateway, bucket) = await RoleGatewayAsync();
        using var server = await SpoolProcess.StartWithConfigAsync(RoleFile(s3, bucket, gateway.RoleArn), DefaultChainIdentity(s3));

        await AssertRoundTripAsync(server);
        Assert.Contains($"setting exchange.s3.iam-role={gateway.RoleArn} (file)", server.Output);
    }

    [Fact]
    public async Task IamRole_ThatCannotBeAssumed_FailsTheCallNamingStsTheRoleAndTheAnswer()
    {
        var (s3, gateway, bucket) = await RoleGatewayAsync();
        var missingRole = gateway.RoleArn + "-missing";
        using var server = await SpoolProcess.StartWithConfigAsync(RoleFile(s3, bucket, missingRole), DefaultChainIdentity(s3));
        using var client = new SpoolClient(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await using var exchange = await client.CreateExchangeAsync(NewQueryId(), "role", 1, false);
            await WriteAsync(client, exchange, exchange.AddSink(0), 0, Strings((0, "page")), finish: true);
        });

        Assert.Contains($"STS AssumeRole of {missingRole} failed", error.Status.Detail);
        Assert.Contains("(HTTP 4", error.Status.Detail);
    }

    /// <summary>A RADOS Gateway (the shared endpoint when it is one) with a bucket of this test's.</summary>
    private async Task<(S3TestEndpoint S3, RadosGateway Gateway, string Bucket)> RoleGatewayAsync()
    {
        var s3 = await S3TestEndpoint.SharedGatewayAsync();
        var bucket = s3 == _s3 ? _bucket : (await s3.CreateBucketsAsync(1))[0];
        return (s3, s3.Gateway!, bucket);
    }

    /// <summary>
    /// An S3 file with a role to assume. The external id is sent with AssumeRole but not checked here:
    /// the tests' Ceph cannot hold a trust policy that asks for one (see <see cref="RadosGateway"/>).
    /// </summary>
    private string RoleFile(S3TestEndpoint s3, string bucket, string role) => WriteOperatorFile($"""
        exchange-manager.name=filesystem
        exchange.base-directories=s3\://{bucket}/role
        exchange.s3.endpoint={Escape(s3.Endpoint.ToString())}
        exchange.s3.external-id=spool-external-id
        exchange.s3.iam-role={Escape(role)}
        exchange.s3.path-style-access=true
        exchange.s3.region=us-east-1
        """);

    /// <summary>The identity the role is assumed with, found by the AWS SDK's default chain (as a pod's would be, from IRSA or the environment).</summary>
    private static Dictionary<string, string> DefaultChainIdentity(S3TestEndpoint s3) => new()
    {
        ["AWS_ACCESS_KEY_ID"] = s3.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = s3.SecretKey,
    };

    /// <summary>
    /// The file as the operator renders it: its generated properties with the configuration
    /// overrides merged over them (an override replaces a generated key), sorted by key.
    /// </summary>
    private string WriteOperatorFile(string generated, params string[] extraOverrides)
    {
        var properties = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in generated.ReplaceLineEndings("\n").Split('\n').Concat(Overrides).Concat(extraOverrides))
            properties[line[..line.IndexOf('=')]] = line;
        var path = Path.Combine(_directory, $"exchange-manager-{Guid.NewGuid():N}.properties");
        File.WriteAllLines(path, properties.Values);
        return path;
    }

    /// <summary>How the operator's Java properties writer escapes a value.</summary>
    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace(":", "\\:").Replace("=", "\\=");

    private static async Task AssertRoundTripAsync(SpoolProcess server)
    {
        using var client = new SpoolClient(server.Address);
        await using var exchange = await client.CreateExchangeAsync(NewQueryId(), "stackable", 2, false);
        var sink = exchange.AddSink(0);
        exchange.NoMoreSinks();
        await WriteAsync(client, exchange, sink, 0, Strings((0, "first"), (1, "second")), finish: true);
        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();

        var pages = await ReadAsync(client, FinalSelector(exchange, 1, (0, 0)), await AllHandlesAsync(exchange));

        Assert.Equal(["first", "second"], AsStrings(pages).Order());
    }

    private static string SelfSignedCertificatePem()
    {
        using var key = ECDsa.Create();
        var request = new CertificateRequest("CN=stackable-test-ca", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.ExportCertificatePem();
    }
}
