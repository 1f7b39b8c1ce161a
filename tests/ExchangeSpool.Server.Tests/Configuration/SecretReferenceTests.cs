using ExchangeSpool.Server.Configuration;
using ExchangeSpool.Storage.S3;

namespace ExchangeSpool.Server.Tests.Configuration;

/// <summary>Trino's <c>${ENV:NAME}</c> in the properties file, as the Stackable operator writes S3 credentials.</summary>
public sealed class SecretReferenceTests : IDisposable
{
    private readonly ConfigurationFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void A_whole_value_is_taken_from_the_environment_variable()
    {
        var directory = Path.Combine(Path.GetTempPath(), "spool-from-env");
        _fixture.Environment["SPOOL_DIR"] = directory;

        var configuration = _fixture.LoadFile("exchange.base-directories=${ENV:SPOOL_DIR}");

        Assert.Equal([directory], configuration.Spool.BaseDirectories);
    }

    [Fact]
    public void A_reference_inside_a_value_is_replaced_where_it_stands()
    {
        _fixture.Environment["SPOOL_PORT"] = "9555";

        var configuration = _fixture.LoadFile("exchange.spool.address=127.0.0.1:${ENV:SPOOL_PORT}");

        Assert.Equal("127.0.0.1:9555", configuration.Settings.Single(setting => setting.Key == "exchange.spool.address").Value);
    }

    [Fact]
    public void A_secret_taken_from_the_environment_is_bound_but_never_shown()
    {
        _fixture.Environment["S3_ACCESS_KEY"] = "spool";
        _fixture.Environment["S3_SECRET_KEY"] = "s3cr3t-value";

        var configuration = _fixture.LoadFile(
            "exchange.base-directories=s3://bucket/spool",
            "exchange.s3.region=us-east-1",
            "exchange.s3.aws-access-key=${ENV:S3_ACCESS_KEY}",
            "exchange.s3.aws-secret-key=${ENV:S3_SECRET_KEY}");

        var s3 = configuration.Options.Get<S3Options>();
        Assert.Equal(("spool", "s3cr3t-value"), (s3.AccessKey, s3.SecretKey));
        Assert.DoesNotContain(configuration.Settings, setting => setting.Value.Contains("s3cr3t-value", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_variable_stops_the_start_naming_the_key_and_the_variable()
    {
        Assert.Equal("exchange.s3.aws-secret-key: environment variable 'EXCHANGE_S3_AWS_SECRET_KEY' (from ${ENV:EXCHANGE_S3_AWS_SECRET_KEY}) is not set",
            _fixture.LoadFileError("exchange.s3.aws-secret-key=${ENV:EXCHANGE_S3_AWS_SECRET_KEY}"));
    }

    [Fact]
    public void An_empty_variable_gives_an_empty_value()
    {
        _fixture.Environment["EMPTY_VARIABLE"] = "";

        var configuration = _fixture.LoadFile("exchange.spool.metrics-address=${ENV:EMPTY_VARIABLE}");

        Assert.Equal("", configuration.Settings.Single(setting => setting.Key == "exchange.spool.metrics-address").Value);
        Assert.Null(configuration.Server.MetricsAddress);
    }

    [Fact]
    public void Another_secrets_provider_is_an_error_naming_it()
    {
        Assert.Equal("exchange.s3.aws-secret-key: '${FILE:...}' names an unknown secrets provider 'FILE'; only ${ENV:NAME} is supported",
            _fixture.LoadFileError("exchange.s3.aws-secret-key=${FILE:/run/secrets/key}"));
    }

    [Fact]
    public void A_value_from_the_command_line_is_taken_literally()
    {
        var configuration = _fixture.LoadConfiguration("--exchange.base-directories", "s3://bucket/spool", "--exchange.s3.region", "${ENV:REGION}");

        Assert.Equal("${ENV:REGION}", configuration.Options.Get<S3Options>().Region);
    }
}
