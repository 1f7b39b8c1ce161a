using ExchangeSpool.Server.Configuration;

namespace ExchangeSpool.Server.Tests.Configuration;

public sealed class CommandLineTests : IDisposable
{
    private readonly ConfigurationFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Help_is_returned_without_reading_any_configuration()
    {
        _fixture.Environment[ServerConfiguration.ConfigFileVariable] = _fixture.MissingFilePath;

        Assert.IsType<ShowHelp>(_fixture.Load("--exchange.sink-max-file-size=abc", "--help"));
    }

    [Fact]
    public void Version_is_returned_without_reading_any_configuration()
    {
        _fixture.Environment[ServerConfiguration.ConfigFileVariable] = _fixture.MissingFilePath;

        Assert.IsType<ShowVersion>(_fixture.Load("--version"));
    }

    [Fact]
    public void Unknown_option_is_named()
    {
        Assert.Equal("--exchange.sink-max-filesize: unknown option (see --help)", _fixture.LoadError("--exchange.sink-max-filesize=1GB"));
    }

    [Fact]
    public void Plugin_keys_on_the_command_line_are_ignored_as_in_the_file()
    {
        var fromCommandLine = _fixture.LoadConfiguration("--exchange.spool.client.control-timeout=10s", "--exchange.spool.client.max-data-connections", "2");
        var fromFile = _fixture.LoadFile("exchange.spool.client.control-timeout=10s", "exchange.spool.client.max-data-connections=2");

        Assert.Equal(fromFile.Settings, fromCommandLine.Settings);
        Assert.DoesNotContain(fromCommandLine.Settings, setting => setting.Key.StartsWith(SettingDefinitions.PluginKeyPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public void Plugin_key_on_the_command_line_still_needs_a_value()
    {
        Assert.Equal("--exchange.spool.client.control-timeout: a value is required", _fixture.LoadError("--exchange.spool.client.control-timeout"));
    }

    [Fact]
    public void Argument_that_is_not_an_option_is_named()
    {
        Assert.Equal("server.properties: unexpected argument; options start with -- (see --help)", _fixture.LoadError("server.properties"));
    }

    [Fact]
    public void Option_without_a_value_at_the_end_is_an_error()
    {
        Assert.Equal("--exchange.sink-max-file-size: a value is required", _fixture.LoadError("--exchange.sink-max-file-size"));
    }

    [Fact]
    public void Option_followed_by_another_option_has_no_value()
    {
        Assert.Equal("--config: a value is required", _fixture.LoadError("--config", "--exchange.sink-max-file-size=1GB"));
    }
}
