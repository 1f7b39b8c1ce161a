using ExchangeSpool.Storage.S3;

namespace ExchangeSpool.Server.Tests.Configuration;

/// <summary>The S3 backend's settings: Trino's keys bind, and each invalid combination stops the server naming the key.</summary>
public sealed class S3ConfigurationTests : IDisposable
{
    private const string Buckets = "exchange.base-directories=s3://spool-a/exchange,s3://spool-b";

    private readonly ConfigurationFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Trinos_s3_keys_bind()
    {
        var configuration = _fixture.LoadFile(Buckets,
            "exchange.s3.endpoint=http://127.0.0.1:9000", "exchange.s3.region=eu-west-1", "exchange.s3.path-style-access=true",
            "exchange.s3.aws-access-key=AK", "exchange.s3.aws-secret-key=SK", "exchange.s3.max-error-retries=3",
            "exchange.s3.upload.part-size=16MB", "exchange.s3.storage-class=STANDARD_IA", "exchange.s3.sse.type=kms",
            "exchange.s3.sse.kms-key-id=key-1", "exchange.spool.s3.request-timeout=30s", "exchange.spool.s3.max-retry-time=1m");

        Assert.Equal(["s3://spool-a/exchange", "s3://spool-b"], configuration.Spool.BaseDirectories);
        Assert.Equal("s3", configuration.Storage.Kind);
        var s3 = configuration.Options.Get<S3Options>();
        Assert.Equal(new Uri("http://127.0.0.1:9000"), s3.Endpoint);
        Assert.Equal("eu-west-1", s3.Region);
        Assert.True(s3.PathStyleAccess);
        Assert.Equal(("AK", "SK"), (s3.AccessKey, s3.SecretKey));
        Assert.Equal(3, s3.MaxErrorRetries);
        Assert.Equal(16 * S3Options.MiB, s3.PartSize);
        Assert.Equal("STANDARD_IA", s3.StorageClass);
        Assert.Equal((S3ServerSideEncryption.Kms, "key-1"), (s3.SseType, s3.SseKmsKeyId));
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1)), (s3.RequestTimeout, s3.MaxRetryTime));
    }

    [Fact]
    public void An_iam_role_with_its_external_id_and_sts_endpoint_binds()
    {
        var s3 = _fixture.LoadFile(Buckets, "exchange.s3.region=us-east-1", "exchange.s3.iam-role=arn:aws:iam::123456789012:role/TrinoRole",
            "exchange.s3.external-id=external-id-123", "exchange.spool.s3.sts-endpoint=https://sts.example.com").Options.Get<S3Options>();

        Assert.Equal(("arn:aws:iam::123456789012:role/TrinoRole", "external-id-123", new Uri("https://sts.example.com")),
            (s3.IamRole, s3.ExternalId, s3.StsEndpoint));
    }

    [Fact]
    public void Documented_s3_defaults_match_the_option_records_own_defaults()
    {
        var configuration = _fixture.LoadFile(Buckets, "exchange.s3.region=us-east-1");

        Assert.Equal(new S3Options(), configuration.Options.Get<S3Options>() with { Region = null });
    }

    [Fact]
    public void Secret_key_is_redacted_in_the_effective_settings()
    {
        var configuration = _fixture.LoadFile(Buckets, "exchange.s3.region=us-east-1", "exchange.s3.aws-access-key=AK", "exchange.s3.aws-secret-key=SK");

        Assert.DoesNotContain(configuration.Settings, setting => setting.Value == "SK");
    }

    [Theory]
    [InlineData("s3a://spool-a/exchange")]
    [InlineData("s3n://spool-a/exchange")]
    [InlineData("S3://spool-a/exchange")]
    public void Hadoops_s3_schemes_name_the_same_location_as_s3(string directory)
    {
        var configuration = _fixture.LoadFile($"exchange.base-directories={directory}", "exchange.s3.region=us-east-1");

        Assert.Equal("s3", configuration.Storage.Kind);
        Assert.Equal(["s3://spool-a/exchange"], configuration.Spool.BaseDirectories);
    }

    [Theory]
    [InlineData("exchange.s3.region=us-east-1")]
    [InlineData("exchange.spool.s3.request-timeout=1m")]
    public void S3_key_with_local_directories_is_refused_naming_the_key(string line)
    {
        var key = line[..line.IndexOf('=')];

        Assert.Equal($"{key}: is a setting of the s3 backend, which no base directory uses (exchange.base-directories names local ones)",
            _fixture.LoadFileError("exchange.base-directories=/tmp/spool", line));
    }

    [Fact]
    public void S3_key_from_the_environment_with_local_directories_is_refused_naming_the_key()
    {
        _fixture.Environment["EXCHANGE_S3_ENDPOINT"] = "http://127.0.0.1:9000";

        Assert.Equal("exchange.s3.endpoint: is a setting of the s3 backend, which no base directory uses (exchange.base-directories names local ones)",
            _fixture.LoadError());
    }

    [Fact]
    public void Local_key_with_s3_directories_is_refused_naming_the_key()
    {
        Assert.Equal("exchange.spool.local-fsync: is a setting of the local backend, which no base directory uses (exchange.base-directories names s3 ones)",
            _fixture.LoadFileError(Buckets, "exchange.s3.region=us-east-1", "exchange.spool.local-fsync=true"));
    }

    [Fact]
    public void Keys_of_the_java_plugin_are_still_ignored_with_s3_directories()
    {
        var configuration = _fixture.LoadFile(Buckets, "exchange.s3.region=us-east-1", "exchange.spool.client.control-timeout=30s");

        Assert.Equal("s3", configuration.Storage.Kind);
    }

    [Theory]
    [InlineData("exchange.s3.region: S3 base directories need exchange.s3.region or exchange.s3.endpoint")]
    [InlineData("exchange.s3.upload.part-size: must be between 5MB and 256MB", "exchange.s3.region=us-east-1", "exchange.s3.upload.part-size=4MB")]
    [InlineData("exchange.s3.upload.part-size: must be between 5MB and 256MB", "exchange.s3.region=us-east-1", "exchange.s3.upload.part-size=257MB")]
    [InlineData("exchange.s3.aws-secret-key: set both exchange.s3.aws-access-key and exchange.s3.aws-secret-key, or neither (to use the default credential chain)",
        "exchange.s3.region=us-east-1", "exchange.s3.aws-access-key=AK")]
    [InlineData("exchange.s3.sse.kms-key-id: is required when exchange.s3.sse.type=KMS", "exchange.s3.region=us-east-1", "exchange.s3.sse.type=KMS")]
    [InlineData("exchange.s3.sse.kms-key-id: is only used with exchange.s3.sse.type=KMS", "exchange.s3.region=us-east-1", "exchange.s3.sse.kms-key-id=k")]
    [InlineData("exchange.s3.sse.type: 'AES' is not an accepted value (accepted: NONE, S3, KMS)", "exchange.s3.sse.type=AES")]
    [InlineData("exchange.s3.storage-class: 'STANDRAD' is not an accepted value (accepted: STANDARD, REDUCED_REDUNDANCY, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER, DEEP_ARCHIVE, OUTPOSTS, GLACIER_IR, SNOW, EXPRESS_ONEZONE)",
        "exchange.s3.region=us-east-1", "exchange.s3.storage-class=STANDRAD")]
    [InlineData("exchange.s3.endpoint: 'minio:9000' is not an http(s) URL (examples: http://minio:9000, https://s3.example.com)", "exchange.s3.endpoint=minio:9000")]
    [InlineData("exchange.spool.s3.ca-certificate-file: needs an https:// exchange.s3.endpoint",
        "exchange.s3.endpoint=http://minio:9000", "exchange.spool.s3.ca-certificate-file=/etc/hostname")]
    [InlineData("exchange.spool.s3.max-retry-time: must be at least exchange.spool.s3.request-timeout",
        "exchange.s3.region=us-east-1", "exchange.spool.s3.request-timeout=1m", "exchange.spool.s3.max-retry-time=10s")]
    [InlineData("exchange.s3.max-error-retries: must be at least 0", "exchange.s3.region=us-east-1", "exchange.s3.max-error-retries=-1")]
    [InlineData("exchange.s3.iam-role: is not compatible with exchange.s3.aws-access-key: the role is assumed with the default credential chain; set only one of them",
        "exchange.s3.region=us-east-1", "exchange.s3.aws-access-key=AK", "exchange.s3.aws-secret-key=SK", "exchange.s3.iam-role=arn:aws:iam::1:role/r")]
    [InlineData("exchange.s3.external-id: is only used with exchange.s3.iam-role", "exchange.s3.region=us-east-1", "exchange.s3.external-id=e")]
    [InlineData("exchange.spool.s3.sts-endpoint: is only used with exchange.s3.iam-role", "exchange.s3.region=us-east-1", "exchange.spool.s3.sts-endpoint=http://sts:9000")]
    public void Invalid_s3_setting_names_the_key(string expected, params string[] lines)
    {
        Assert.Equal(expected, _fixture.LoadFileError([Buckets, .. lines]));
    }

    [Theory]
    [InlineData("s3://spool-a,/tmp/spool", "exchange.base-directories: mixes base directories of the s3 and local backends; all base directories must be of one backend")]
    [InlineData("/tmp/spool,s3a://spool-a", "exchange.base-directories: mixes base directories of the local and s3 backends; all base directories must be of one backend")]
    [InlineData("s3://Bad_Bucket/x", "exchange.base-directories: 's3://Bad_Bucket/x' does not name a valid bucket (3-63 lowercase letters, digits, '-' or '.')")]
    [InlineData("s3://spool-a/x/../y", "exchange.base-directories: 's3://spool-a/x/../y' has an empty, '.' or '..' segment in its prefix")]
    public void Bad_s3_base_directory_is_an_error(string directories, string expected)
    {
        Assert.Equal(expected, _fixture.LoadFileError($"exchange.base-directories={directories}", "exchange.s3.region=us-east-1"));
    }
}
