using ExchangeSpool.Server.Configuration;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server.Tests.Configuration;

public sealed class LoggingAndEnumSettingsTests : IDisposable
{
    private readonly ConfigurationFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Log_level_defaults_to_information_and_text()
    {
        var server = _fixture.LoadConfiguration().Server;

        Assert.Equal(LogLevel.Information, server.LogLevel);
        Assert.Equal(LogFormat.Text, server.LogFormat);
    }

    [Theory]
    [InlineData("trace", LogLevel.Trace)]
    [InlineData("debug", LogLevel.Debug)]
    [InlineData("information", LogLevel.Information)]
    [InlineData("WARNING", LogLevel.Warning)]
    [InlineData("error", LogLevel.Error)]
    [InlineData("critical", LogLevel.Critical)]
    public void Log_level_takes_each_level_by_name(string text, LogLevel expected)
    {
        Assert.Equal(expected, _fixture.LoadConfiguration($"--exchange.spool.log-level={text}").Server.LogLevel);
    }

    [Fact]
    public void Unknown_log_level_is_refused_listing_the_accepted_values()
    {
        Assert.Equal("exchange.spool.log-level: 'info' is not an accepted value (accepted: trace, debug, information, warning, error, critical)",
            _fixture.LoadError("--exchange.spool.log-level=info"));
    }

    [Fact]
    public void Log_format_json_is_taken()
    {
        Assert.Equal(LogFormat.Json, _fixture.LoadConfiguration("--exchange.spool.log-format=json").Server.LogFormat);
    }

    [Fact]
    public void Unknown_log_format_is_refused_listing_the_accepted_values()
    {
        Assert.Equal("exchange.spool.log-format: 'logfmt' is not an accepted value (accepted: text, json)",
            _fixture.LoadError("--exchange.spool.log-format=logfmt"));
    }

    [Fact]
    public void Unknown_enum_value_in_the_file_is_refused_as_on_the_command_line()
    {
        Assert.Equal("exchange.spool.compression: 'zstd' is not an accepted value (accepted: none, lz4)",
            _fixture.LoadFileError("exchange.spool.compression=zstd"));
    }

    [Fact]
    public void Master_key_file_with_encryption_off_is_reported_unused()
    {
        var keyFile = _fixture.WriteFile(Convert.ToBase64String(new byte[32]));

        var encryption = _fixture.LoadConfiguration($"--exchange.spool.encryption.key-file={keyFile}").Encryption;

        Assert.Equal([EncryptionOptions.KeyFileKey], encryption.KeySettingsUnusedWhileDisabled);
    }

    [Fact]
    public void Master_key_with_encryption_on_is_not_reported_unused()
    {
        var keyFile = _fixture.WriteFile(Convert.ToBase64String(new byte[32]));

        var encryption = _fixture.LoadConfiguration("--exchange.encryption-enabled=true", $"--exchange.spool.encryption.key-file={keyFile}").Encryption;

        Assert.Empty(encryption.KeySettingsUnusedWhileDisabled);
    }

    [Fact]
    public void Startup_check_timeout_defaults_to_20_seconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(20), _fixture.LoadConfiguration().Server.StartupCheckTimeout);
    }
}
