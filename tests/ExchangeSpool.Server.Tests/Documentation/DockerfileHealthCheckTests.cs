using System.Text.Json;
using System.Text.RegularExpressions;
using ExchangeSpool.Server.Tests.Process;

namespace ExchangeSpool.Server.Tests.Documentation;

/// <summary>
/// docker/Dockerfile's HEALTHCHECK, run here as Docker would run it in the container (bash, no curl),
/// with its port pointed at a test server: no Docker engine is needed to know that it works.
/// </summary>
public sealed partial class DockerfileHealthCheckTests
{
    private const string ImageMetricsPort = "9478";

    private static readonly string Dockerfile = File.ReadAllText(Path.Combine(Repository.Root, "docker", "Dockerfile")).ReplaceLineEndings("\n");

    [Fact]
    public void HealthCheck_ProbesThePortTheDefaultCommandServesMetricsOn()
    {
        Assert.Contains($"/dev/tcp/127.0.0.1/{ImageMetricsPort}", string.Join(' ', HealthCheckCommand()));
        Assert.Contains($"\"--exchange.spool.metrics-address=0.0.0.0:{ImageMetricsPort}\"", Instruction("CMD"));
    }

    [Fact]
    public async Task HealthCheck_AgainstAReadyServer_Succeeds()
    {
        await using var server = await InProcessSpoolServer.StartAsync("--exchange.spool.metrics-address=127.0.0.1:0");

        var (exitCode, output) = await RunHealthCheckAsync(server.MetricsAddress!.Port);

        Assert.True(exitCode == 0, $"exit code {exitCode}: {output}");
    }

    [Fact]
    public async Task HealthCheck_AgainstAServerWhoseStorageIsNotWritable_Fails()
    {
        await using var server = await InProcessSpoolServer.StartAsync("--exchange.spool.metrics-address=127.0.0.1:0");
        Directory.Delete(server.BaseDirectories[0], recursive: true);
        await File.WriteAllTextAsync(server.BaseDirectories[0], "not a directory");

        var (exitCode, _) = await RunHealthCheckAsync(server.MetricsAddress!.Port);

        Assert.NotEqual(0, exitCode);
    }

    private static async Task<(int ExitCode, string Output)> RunHealthCheckAsync(int port)
    {
        var command = HealthCheckCommand().Select(argument => argument.Replace($"/{ImageMetricsPort} ", $"/{port} ", StringComparison.Ordinal)).ToArray();
        var directory = Directory.CreateTempSubdirectory("exchange-spool-healthcheck-").FullName;
        try
        {
            using var probe = ChildProcess.Start(command[0], command[1..], directory);
            var exitCode = await probe.WaitForExitAsync(SpoolProcess.Timeout);
            return (exitCode, probe.Output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The HEALTHCHECK's CMD in exec form (a JSON array).</summary>
    private static string[] HealthCheckCommand()
    {
        var command = ExecForm().Match(Instruction("HEALTHCHECK"));
        Assert.True(command.Success, "HEALTHCHECK has no CMD in exec form");
        return JsonSerializer.Deserialize<string[]>(command.Groups[1].Value)!;
    }

    /// <summary>The first instruction of that name at the start of a line, continuation lines joined.</summary>
    private static string Instruction(string name)
    {
        var instruction = Regex.Match(Dockerfile, $@"^{name} (?:.*\\\n)*.*$", RegexOptions.Multiline);
        Assert.True(instruction.Success, $"docker/Dockerfile has no {name}");
        return instruction.Value.Replace("\\\n", " ");
    }

    [GeneratedRegex(@"CMD (\[.*\])\s*$")]
    private static partial Regex ExecForm();
}
