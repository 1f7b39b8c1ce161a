using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Storage.Azure;

namespace ExchangeSpool.Server.Tests.Configuration;

/// <summary>The Azure backend's settings: Trino's keys bind, and each invalid combination stops the server naming the key.</summary>
public sealed class AzureConfigurationTests : IDisposable
{
    private const string Containers = "exchange.base-directories=abfss://spool-a@account1.dfs.core.windows.net/exchange,abfs://spool-b@account1.dfs.core.windows.net";
    private const string ConnectionString = "DefaultEndpointsProtocol=https;AccountName=account1;AccountKey=c2VjcmV0LWtleS1vZi10aGUtdGVzdHM=;EndpointSuffix=core.windows.net";

    private readonly ConfigurationFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Trinos_azure_keys_bind()
    {
        var configuration = _fixture.LoadFile(Containers,
            $"exchange.azure.connection-string={ConnectionString}", "exchange.azure.block-size=8MB", "exchange.azure.max-error-retries=3",
            "exchange.spool.azure.request-timeout=30s", "exchange.spool.azure.max-retry-time=1m", "exchange.spool.azure.delete-requests-per-second=50");

        Assert.Equal(["abfss://spool-a@account1.dfs.core.windows.net/exchange", "abfs://spool-b@account1.dfs.core.windows.net"], configuration.Spool.BaseDirectories);
        Assert.Equal("azure", configuration.Storage.Kind);
        var azure = configuration.Options.Get<AzureOptions>();
        Assert.Equal(ConnectionString, azure.ConnectionString);
        Assert.Equal(8 * AzureOptions.MiB, azure.BlockSize);
        Assert.Equal(3, azure.MaxErrorRetries);
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1)), (azure.RequestTimeout, azure.MaxRetryTime));
        Assert.Equal(50, azure.DeleteRequestsPerSecond);
    }

    [Fact]
    public void Connection_string_is_redacted_in_the_effective_settings()
    {
        var configuration = _fixture.LoadFile(Containers, $"exchange.azure.connection-string={ConnectionString}");

        Assert.DoesNotContain(configuration.Settings, setting => setting.Value.Contains("AccountKey", StringComparison.Ordinal));
    }

    [Fact]
    public void Azure_key_with_local_directories_is_refused_naming_the_key()
    {
        Assert.Equal("exchange.azure.block-size: is a setting of the azure backend, which no base directory uses (exchange.base-directories names local ones)",
            _fixture.LoadFileError("exchange.base-directories=/tmp/spool", "exchange.azure.block-size=8MB"));
    }

    [Theory]
    [InlineData("exchange.azure.endpoint: set exchange.azure.connection-string or exchange.azure.endpoint, not both",
        "exchange.azure.connection-string=" + ConnectionString, "exchange.azure.endpoint=https://account1.blob.core.windows.net")]
    [InlineData("exchange.azure.block-size: must be between 4MB and 256MB", "exchange.azure.block-size=2MB")]
    [InlineData("exchange.azure.block-size: must be between 4MB and 256MB", "exchange.azure.block-size=512MB")]
    [InlineData("exchange.azure.max-error-retries: must be at least 0", "exchange.azure.max-error-retries=-1")]
    [InlineData("exchange.spool.azure.max-retry-time: must be at least exchange.spool.azure.request-timeout",
        "exchange.spool.azure.request-timeout=2m", "exchange.spool.azure.max-retry-time=1m")]
    [InlineData("exchange.azure.endpoint: 'ftp://account1' is not an http(s) URL (examples: https://account.blob.core.windows.net, http://127.0.0.1:10000/devstoreaccount1)",
        "exchange.azure.endpoint=ftp://account1")]
    public void Invalid_azure_setting_names_the_key(string expected, params string[] lines)
    {
        Assert.Equal(expected, _fixture.LoadFileError([Containers, .. lines]));
    }

    [Theory]
    [InlineData("abfs://account1.dfs.core.windows.net/x", "'abfs://account1.dfs.core.windows.net/x' names no container: the form is abfs://container@account.dfs.core.windows.net/path")]
    [InlineData("abfss://Spool_A@account1.dfs.core.windows.net", "'abfss://Spool_A@account1.dfs.core.windows.net' does not name a valid container (3-63 lowercase letters, digits and single '-', starting and ending with a letter or digit)")]
    [InlineData("abfss://spool@localhost/x", "'abfss://spool@localhost/x' does not name a storage account host (account.dfs.core.windows.net, the account 3-24 lowercase letters and digits)")]
    [InlineData("abfss://spool@account1.dfs.core.windows.net/a//b", "'abfss://spool@account1.dfs.core.windows.net/a//b' has an empty, '.' or '..' segment in its path")]
    public void Bad_azure_base_directory_is_an_error(string directory, string expected)
    {
        Assert.Equal($"exchange.base-directories: {expected}", _fixture.LoadFileError($"exchange.base-directories={directory}"));
    }

    [Fact]
    public void Base_directory_on_another_account_than_the_connection_string_stops_the_server_naming_the_key()
    {
        var configuration = _fixture.LoadFile("exchange.base-directories=abfss://spool@account2.dfs.core.windows.net", $"exchange.azure.connection-string={ConnectionString}");

        var error = Assert.Throws<ConfigurationException>(() => SpoolServer.Create(configuration));

        Assert.Equal("exchange.azure.connection-string: is for storage account 'account1', but base directory 'abfss://spool@account2.dfs.core.windows.net' is on account 'account2'", error.Message);
    }
}
