using ExchangeSpool.Server.Configuration;

namespace ExchangeSpool.Server.Tests.Configuration;

public sealed class PrecedenceTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private const string Key = "exchange.sink-max-file-size";
    private const string Variable = "EXCHANGE_SINK_MAX_FILE_SIZE";
    private readonly ConfigurationFixture _fixture = new();
    private readonly string _file;

    public PrecedenceTests()
    {
        _file = _fixture.WriteFile($"{Key}=256MB");
    }

    public void Dispose() => _fixture.Dispose();

    private EffectiveSetting Setting(ServerConfiguration configuration) => configuration.Settings.Single(setting => setting.Key == Key);

    [Fact]
    public void File_overrides_the_default()
    {
        var configuration = _fixture.LoadConfiguration("--config", _file);

        Assert.Equal(256 * MiB, configuration.Spool.SinkMaxFileSize);
        Assert.Equal(new EffectiveSetting(Key, "256MB", SettingSource.File), Setting(configuration));
    }

    [Fact]
    public void Environment_overrides_the_file()
    {
        _fixture.Environment[Variable] = "512MB";

        var configuration = _fixture.LoadConfiguration("--config", _file);

        Assert.Equal(512 * MiB, configuration.Spool.SinkMaxFileSize);
        Assert.Equal(new EffectiveSetting(Key, "512MB", SettingSource.Environment), Setting(configuration));
    }

    [Fact]
    public void Command_line_overrides_the_environment()
    {
        _fixture.Environment[Variable] = "512MB";

        var configuration = _fixture.LoadConfiguration("--config", _file, $"--{Key}=768MB");

        Assert.Equal(768 * MiB, configuration.Spool.SinkMaxFileSize);
        Assert.Equal(new EffectiveSetting(Key, "768MB", SettingSource.CommandLine), Setting(configuration));
    }

    [Fact]
    public void Command_line_accepts_the_value_as_the_next_argument()
    {
        var configuration = _fixture.LoadConfiguration($"--{Key}", "768MB");

        Assert.Equal(768 * MiB, configuration.Spool.SinkMaxFileSize);
    }

    [Fact]
    public void Last_command_line_value_of_a_key_wins()
    {
        var configuration = _fixture.LoadConfiguration($"--{Key}=768MB", $"--{Key}=640MB");

        Assert.Equal(640 * MiB, configuration.Spool.SinkMaxFileSize);
    }

    [Fact]
    public void Empty_environment_variable_counts_as_unset()
    {
        _fixture.Environment[Variable] = "";

        var configuration = _fixture.LoadConfiguration("--config", _file);

        Assert.Equal(256 * MiB, configuration.Spool.SinkMaxFileSize);
    }

    [Fact]
    public void Bad_value_in_a_lower_source_is_not_read_when_a_higher_one_overrides_it()
    {
        var file = _fixture.WriteFile($"{Key}=abc");

        var configuration = _fixture.LoadConfiguration("--config", file, $"--{Key}=768MB");

        Assert.Equal(768 * MiB, configuration.Spool.SinkMaxFileSize);
    }

    [Fact]
    public void Config_file_variable_selects_the_file()
    {
        _fixture.Environment[ServerConfiguration.ConfigFileVariable] = _file;

        var configuration = _fixture.LoadConfiguration();

        Assert.Equal(_file, configuration.ConfigFile);
        Assert.Equal(256 * MiB, configuration.Spool.SinkMaxFileSize);
    }

    [Fact]
    public void Config_option_overrides_the_config_file_variable()
    {
        _fixture.Environment[ServerConfiguration.ConfigFileVariable] = _fixture.MissingFilePath;

        var configuration = _fixture.LoadConfiguration($"--config={_file}");

        Assert.Equal(_file, configuration.ConfigFile);
    }
}
