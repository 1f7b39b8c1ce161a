using ExchangeSpool.Server.Configuration;

namespace ExchangeSpool.Server.Tests.Configuration;

/// <summary>Each way configuration can be wrong, and the one line the server stops with.</summary>
public sealed class ConfigurationErrorTests : IDisposable
{
    private readonly ConfigurationFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Unknown_key_in_the_file_names_file_line_and_key()
    {
        var path = _fixture.WriteFile("exchange-manager.name=spool", "exchange.sink-max-filesize=1GB");

        Assert.Equal($"{path}:2: unknown configuration key 'exchange.sink-max-filesize'", _fixture.LoadError("--config", path));
    }

    [Theory]
    [InlineData("exchange.gcs.json-key-file-path", "gcs")]
    public void Key_of_another_backend_says_that_backend_is_not_built(string key, string backend)
    {
        var path = _fixture.WriteFile($"{key}=x");

        Assert.Equal($"{path}:1: unknown configuration key '{key}': the {backend} backend is not part of this build (it has local, s3, azure, hdfs)", _fixture.LoadError("--config", path));
    }

    [Fact]
    public void Bad_data_size_names_key_value_and_examples()
    {
        Assert.Equal("exchange.sink-max-file-size: 'abc' is not a data size (examples: 16MB, 1GB)",
            _fixture.LoadFileError("exchange.sink-max-file-size=abc"));
    }

    [Fact]
    public void Bad_integer_names_key_value_and_examples()
    {
        Assert.Equal("exchange.source-concurrent-readers: 'four' is not an integer (examples: 4, 50)",
            _fixture.LoadFileError("exchange.source-concurrent-readers=four"));
    }

    [Fact]
    public void Bad_boolean_names_key_value_and_examples()
    {
        Assert.Equal("exchange.encryption-enabled: 'no' is not a boolean (examples: true, false)",
            _fixture.LoadFileError("exchange.encryption-enabled=no"));
    }

    [Theory]
    [InlineData("exchange.spool.local.file-mode", "rw-------")]
    [InlineData("exchange.spool.local.file-mode", "0800")]
    [InlineData("exchange.spool.local.directory-mode", "07777")]
    [InlineData("exchange.spool.local.directory-mode", "1777")]
    public void Mode_that_is_not_octal_permission_bits_names_key_value_and_examples(string key, string value)
    {
        Assert.Equal($"{key}: '{value}' is not an octal permission mode from 000 to 0777 (examples: 0600, 0640, 0750)",
            _fixture.LoadFileError($"{key}={value}"));
    }

    [Theory]
    [InlineData("exchange.spool.local.file-mode=0400", "exchange.spool.local.file-mode: must let the owner read and write (0600) and set no execute bit")]
    [InlineData("exchange.spool.local.file-mode=0700", "exchange.spool.local.file-mode: must let the owner read and write (0600) and set no execute bit")]
    [InlineData("exchange.spool.local.directory-mode=0600", "exchange.spool.local.directory-mode: must let the owner read, write and enter (0700)")]
    [InlineData("exchange.spool.closed-exchange-retention=30s",
        "exchange.spool.closed-exchange-retention: must be at least 1m, so that late writes of a closed exchange are still refused")]
    public void Mode_or_retention_the_server_cannot_work_with_names_the_key(string line, string error)
    {
        Assert.Equal(error, _fixture.LoadFileError(line));
    }

    [Fact]
    public void Bad_value_from_the_environment_names_the_key()
    {
        _fixture.Environment["EXCHANGE_SPOOL_MEMORY_LIMIT"] = "lots";

        Assert.Equal("exchange.spool.memory-limit: 'lots' is not a data size (examples: 16MB, 1GB)", _fixture.LoadError());
    }

    [Fact]
    public void Data_size_too_large_for_an_int_setting_is_an_error()
    {
        Assert.Equal("exchange.spool.sink-buffer-size: '3GB' is too large (must be below 2GB)",
            _fixture.LoadError("--exchange.spool.sink-buffer-size=3GB"));
    }

    [Fact]
    public void Duplicate_key_names_both_lines()
    {
        var path = _fixture.WriteFile("exchange.sink-max-file-size=1GB", "", "exchange.sink-max-file-size=2GB");

        Assert.Equal($"{path}:3: duplicate key 'exchange.sink-max-file-size' (first set on line 1)", _fixture.LoadError("--config", path));
    }

    [Fact]
    public void Line_without_separator_names_file_and_line()
    {
        var path = _fixture.WriteFile("# comment", "exchange.sink-max-file-size");

        Assert.Equal($"{path}:2: expected key=value, found 'exchange.sink-max-file-size'", _fixture.LoadError("--config", path));
    }

    [Fact]
    public void Missing_file_from_the_option_names_the_option_and_path()
    {
        var path = _fixture.MissingFilePath;

        Assert.Equal($"--config: configuration file '{path}' does not exist", _fixture.LoadError("--config", path));
    }

    [Fact]
    public void Missing_file_from_the_environment_names_the_variable_and_path()
    {
        var path = _fixture.MissingFilePath;
        _fixture.Environment[ServerConfiguration.ConfigFileVariable] = path;

        Assert.Equal($"EXCHANGE_SPOOL_CONFIG: configuration file '{path}' does not exist", _fixture.LoadError());
    }

    [Theory]
    [InlineData("0.0.0.0:9477")]
    [InlineData("10.1.2.3:9477")]
    [InlineData("spool.example.com:9477")]
    [InlineData("[::]:9477")]
    public void Non_loopback_address_without_tls_and_token_is_refused_naming_both(string address)
    {
        Assert.Equal($"exchange.spool.address: listening on the non-loopback address {address} requires TLS and a bearer token; " +
            "missing: TLS (exchange.spool.tls.certificate-file and exchange.spool.tls.key-file) and the token (exchange.spool.auth.token-file)",
            _fixture.LoadError("--exchange.spool.address", address));
    }

    [Theory]
    [InlineData("9477")]
    [InlineData("localhost")]
    [InlineData("localhost:port")]
    [InlineData("localhost:65536")]
    [InlineData("::1:9477")]
    [InlineData(":9477")]
    public void Address_that_is_not_host_and_port_is_an_error(string address)
    {
        Assert.Equal($"exchange.spool.address: '{address}' is not host:port (examples: 127.0.0.1:9477, localhost:9477, [::1]:9477)",
            _fixture.LoadError("--exchange.spool.address", address));
    }

    [Fact]
    public void Wrong_exchange_manager_name_says_which_manager_the_file_selects()
    {
        Assert.Equal("exchange-manager.name: this file selects exchange manager 'azure-blob'; exchange-spool serves 'spool' (and reads files written for 'filesystem' or 'hdfs')",
            _fixture.LoadFileError("exchange-manager.name=azure-blob"));
    }

    [Theory]
    [InlineData("spool")]
    [InlineData("filesystem")]
    [InlineData("hdfs")]
    public void Exchange_manager_names_the_Stackable_operator_writes_are_accepted(string name)
    {
        var configuration = _fixture.LoadFile($"exchange-manager.name={name}");

        Assert.Equal(name, configuration.Settings.Single(setting => setting.Key == "exchange-manager.name").Value);
    }

    [Theory]
    [InlineData("viewfs://cluster/exchange", "viewfs")]
    [InlineData("/local, gs://bucket/exchange", "gs")]
    public void Remote_base_directory_names_its_scheme(string directories, string scheme)
    {
        Assert.Equal($"exchange.base-directories: scheme '{scheme}' is not supported by this build (supported: plain paths, file://, s3://, s3a://, s3n://, abfs://, abfss://, hdfs://, webhdfs://, swebhdfs://)",
            _fixture.LoadFileError($"exchange.base-directories={directories}"));
    }

    [Fact]
    public void Mixing_file_uris_and_plain_paths_is_an_error()
    {
        Assert.Equal("exchange.base-directories: mixes file: URIs and plain paths; write every entry the same way",
            _fixture.LoadFileError("exchange.base-directories=file:///a,/b"));
    }

    [Fact]
    public void File_uri_naming_another_host_is_an_error()
    {
        Assert.Equal("exchange.base-directories: 'file://fileserver/share' is not a local file URI (example: file:///var/spool/exchange)",
            _fixture.LoadFileError("exchange.base-directories=file://fileserver/share"));
    }

    [Fact]
    public void Empty_base_directories_is_reported_by_the_core_check()
    {
        Assert.Equal("exchange.base-directories: at least one directory is required",
            _fixture.LoadFileError("exchange.base-directories= , "));
    }

    [Fact]
    public void Invalid_combination_is_reported_by_the_core_check()
    {
        Assert.Equal("exchange.sink-max-file-size: must be at least exchange.max-page-storage-size",
            _fixture.LoadFileError("exchange.max-page-storage-size=32MB", "exchange.sink-max-file-size=16MB", "exchange.spool.max-message-size=64MB"));
    }

    [Fact]
    public void Message_size_must_hold_the_largest_page_and_its_framing()
    {
        Assert.Equal("exchange.spool.max-message-size: must be at least exchange.max-page-storage-size + 64kB (16448kB) and at most 1GB",
            _fixture.LoadFileError("exchange.spool.max-message-size=16MB"));
    }

    [Fact]
    public void Message_size_exactly_the_largest_page_and_its_framing_is_accepted()
    {
        Assert.Equal((16 << 20) + (64 << 10), _fixture.LoadFile("exchange.spool.max-message-size=16448kB").Server.MaxMessageSize);
    }

    [Fact]
    public void Message_size_above_1GB_is_an_error()
    {
        Assert.StartsWith("exchange.spool.max-message-size: must be at least",
            _fixture.LoadFileError("exchange.spool.max-message-size=1025MB"));
    }

    [Theory]
    [InlineData("exchange.source-max-files-per-reader")]
    [InlineData("exchange.file-listing-parallelism")]
    public void Compatibility_keys_are_still_checked(string key)
    {
        Assert.Equal($"{key}: must be at least 1, found 0", _fixture.LoadFileError($"{key}=0"));
    }
}
