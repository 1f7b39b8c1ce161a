using ExchangeSpool.Server.Configuration;

namespace ExchangeSpool.Server.Tests.Configuration;

/// <summary>A temporary directory for properties files and an environment the test controls.</summary>
public sealed class ConfigurationFixture : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("exchange-spool-config-").FullName;

    public Dictionary<string, string> Environment { get; } = [];

    public string WriteFile(params string[] lines)
    {
        var path = Path.Combine(_directory, $"exchange-manager-{Guid.NewGuid():N}.properties");
        File.WriteAllLines(path, lines);
        return path;
    }

    public string MissingFilePath => Path.Combine(_directory, "missing.properties");

    public StartupRequest Load(params string[] args) => ServerConfiguration.Load(args, Environment.GetValueOrDefault);

    public ServerConfiguration LoadConfiguration(params string[] args) => Assert.IsType<RunServer>(Load(args)).Configuration;

    public string LoadError(params string[] args) => Assert.Throws<ConfigurationException>(() => Load(args)).Message;

    public ServerConfiguration LoadFile(params string[] lines) => LoadConfiguration("--config", WriteFile(lines));

    public string LoadFileError(params string[] lines) => LoadError("--config", WriteFile(lines));

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
