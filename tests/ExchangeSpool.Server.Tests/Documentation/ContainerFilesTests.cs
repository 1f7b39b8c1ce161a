using System.Text.Json;
using System.Text.RegularExpressions;
using ExchangeSpool.Server.Cli;
using ExchangeSpool.Server.Configuration;
using ExchangeSpool.Server.Tests.Process;
using YamlDotNet.RepresentationModel;

namespace ExchangeSpool.Server.Tests.Documentation;

/// <summary>
/// What can be checked of docker/ without a Docker engine (none runs on these machines): the compose
/// file parses and hangs together, every setting it gives the server is one the server accepts, the
/// image's default arguments start the real server, and the build context leaves out what the image
/// does not need.
/// </summary>
public sealed partial class ContainerFilesTests
{
    private static readonly YamlMappingNode Services = (YamlMappingNode)LoadCompose()["services"];

    private static string DockerFile(string name) => Path.Combine(Repository.Root, "docker", name);

    private static YamlMappingNode LoadCompose()
    {
        var stream = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(DockerFile("compose.yaml")));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Service(string name) => (YamlMappingNode)Services[name];

    private static IReadOnlyList<string> Command(string service) =>
        ((YamlSequenceNode)Service(service)["command"]).Select(node => node.ToString()).ToList();

    /// <summary>The server's settings as the compose file gives them, key to value.</summary>
    private static Dictionary<string, string> ServerSettings() =>
        Command("exchange-spool").Select(argument => argument.TrimStart('-').Split('=', 2)).ToDictionary(pair => pair[0], pair => pair[1]);

    [Fact]
    public void Compose_RunsMinioTheBucketTheSecretsTheServerAndTheRoundTripCheck()
    {
        Assert.Equal(["bucket", "exchange-spool", "minio", "round-trip", "secrets"], Services.Children.Keys.Select(key => key.ToString()).Order());
    }

    [Fact]
    public void Compose_ServerArguments_AreSettingsTheServerAccepts()
    {
        Assert.All(Command("exchange-spool"), argument =>
        {
            Assert.StartsWith("--", argument);
            var key = argument[2..].Split('=', 2)[0];
            Assert.True(SettingDefinitions.Find(key) is not null, $"the server does not accept '{key}'");
        });
    }

    [Fact]
    public void Compose_ServerEnvironment_NamesSettingsTheServerAccepts()
    {
        var variables = SettingDefinitions.All.Select(definition => definition.EnvironmentVariable).ToHashSet();

        Assert.All(((YamlMappingNode)Service("exchange-spool")["environment"]).Children.Keys, key =>
            Assert.True(variables.Contains(key.ToString()), $"'{key}' is no setting's environment variable"));
    }

    [Fact]
    public void Compose_BucketService_CreatesTheBucketOfTheBaseDirectory()
    {
        var bucket = new Uri(ServerSettings()["exchange.base-directories"]).Host;

        Assert.Contains($"mc mb --ignore-existing spool/{bucket}", Script("bucket"));
    }

    [Fact]
    public void Compose_ServerAndCheck_ReadTheFilesTheSecretsServiceWrites()
    {
        var settings = ServerSettings();
        var written = WrittenFiles().ToList();
        var server = new[] { "exchange.spool.tls.certificate-file", "exchange.spool.tls.key-file", "exchange.spool.auth.token-file" }.Select(key => settings[key]);
        var check = Command("round-trip").Where(argument => argument.StartsWith("--ca-file=") || argument.StartsWith("--token-file=")).Select(argument => argument.Split('=', 2)[1]);

        Assert.Equal(5, server.Concat(check).Count());
        Assert.All(server.Concat(check), path => Assert.Contains(Path.GetFileName(path), written));
    }

    [Fact]
    public void Compose_Certificate_NamesTheServerAsTheCheckAddressesIt()
    {
        var host = new Uri(Command("round-trip").Single(argument => argument.StartsWith("--address=")).Split('=', 2)[1]).Host;

        Assert.Equal("exchange-spool", host);
        Assert.Contains($"DNS:{host}", Script("secrets"));
    }

    [Fact]
    public async Task Compose_RoundTripCommand_IsACheckTheProgramAccepts()
    {
        var command = Command("round-trip");

        // Run here, the files under /secrets are missing: a failure to connect (1), not a usage error (2).
        var (exitCode, _, stderr) = await SpoolProcess.RunToExitAsync([.. command]);

        Assert.Equal(RoundTripCheck.Command, command[0]);
        Assert.True(exitCode == 1, $"exit code {exitCode}: {stderr}");
    }

    [Fact]
    public async Task Dockerfile_DefaultArguments_StartTheServerOnTheVolume()
    {
        var arguments = DefaultArguments();
        Assert.Contains("--exchange.base-directories=/var/lib/exchange-spool", arguments);
        Assert.Contains("VOLUME /var/lib/exchange-spool", File.ReadAllText(DockerFile("Dockerfile")));

        // The same arguments on this machine: the volume is a fresh directory, the ports free loopback ones.
        var volume = Directory.CreateTempSubdirectory("exchange-spool-volume-").FullName;
        try
        {
            using var image = await SpoolProcess.StartAsync([.. arguments.Select(argument => argument
                .Replace("/var/lib/exchange-spool", volume)
                .Replace("0.0.0.0:", "127.0.0.1:")
                .Replace(":9477", ":0")
                .Replace(":9478", ":0"))]);

            Assert.Contains($"storage: local {volume}", image.Output);
        }
        finally
        {
            Directory.Delete(volume, recursive: true);
        }
    }

    [Fact]
    public void DockerIgnore_LeavesTheJavaPluginAndBuildOutputOutOfTheContext()
    {
        var ignored = File.ReadAllLines(Path.Combine(Repository.Root, ".dockerignore"));

        Assert.Contains("src/trino-exchange-spool/", ignored);
        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
    }

    /// <summary>The image's CMD, which <c>docker run</c> without arguments passes to the server.</summary>
    private static string[] DefaultArguments() =>
        JsonSerializer.Deserialize<string[]>(CommandLine().Match(File.ReadAllText(DockerFile("Dockerfile"))).Groups[1].Value)!;

    private static string Script(string service) => string.Join('\n', ((YamlSequenceNode)Service(service)["entrypoint"]).Select(node => node.ToString()));

    /// <summary>The files the secrets service leaves in its volume: what openssl writes with -out, and the token.</summary>
    private static IEnumerable<string> WrittenFiles() =>
        OutputFile().Matches(Script("secrets")).Select(match => match.Groups[1].Value);

    [GeneratedRegex(@"^CMD (\[.*\])$", RegexOptions.Multiline)]
    private static partial Regex CommandLine();

    [GeneratedRegex(@"(?:-out|-keyout|>) ([\w.-]+)")]
    private static partial Regex OutputFile();
}
