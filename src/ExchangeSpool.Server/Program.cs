using System.Reflection;
using ExchangeSpool.Server;
using ExchangeSpool.Server.Cli;
using ExchangeSpool.Server.Configuration;
using Spectre.Console;

const string ProgramName = "exchange-spool";

if (RoundTripCheck.Handles(args))
    return await RoundTripCheck.RunAsync(ProgramName, args, Console.Out, Console.Error);

if (OperatorCli.Handles(args))
    return await OperatorCli.RunAsync(ProgramName, args, Environment.GetEnvironmentVariable, AnsiConsole.Console);

ServerConfiguration configuration;
try
{
    switch (ServerConfiguration.Load(args, Environment.GetEnvironmentVariable))
    {
        case ShowHelp:
            Console.Write(SettingDocumentation.HelpText(ProgramName));
            return 0;
        case ShowVersion:
            Console.WriteLine($"{ProgramName} {typeof(SpoolServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion}");
            return 0;
        case RunServer run:
            configuration = run.Configuration;
            break;
        default:
            throw new InvalidOperationException("unknown startup request");
    }
}
catch (ConfigurationException e)
{
    return ConfigurationError(e);
}

// What the operator set, so a mounted file (the Stackable operator's) can be checked against what the server took;
// printed before the startup checks, so a failed start shows what it ran with, and before "listening", which tools wait for.
foreach (var setting in configuration.Settings.Where(setting => setting.Source != SettingSource.Default))
    Console.WriteLine($"{ProgramName} setting {setting.ReportLine}");

SpoolServer server;
try
{
    server = SpoolServer.Create(configuration);
}
catch (ConfigurationException e)
{
    return ConfigurationError(e);
}
catch (StartupCheckException e)
{
    return StartupCheckFailed(e);
}
await using var running = server;
try
{
    await server.StartAsync();
}
catch (StartupCheckException e)
{
    return StartupCheckFailed(e);
}
var storage = $"{server.Context.Storage.Kind} {string.Join(", ", server.Context.Storage.BaseDirectories)}";
Console.WriteLine($"{ProgramName} listening on {server.Address} (gRPC, {(server.Tls ? "TLS" : "h2c")}{(configuration.Server.AuthTokenFile is null ? "" : ", bearer token required")}); storage: {storage}; memory limit {configuration.Spool.MemoryLimit} bytes; compression {configuration.Spool.Compression.ToString().ToLowerInvariant()}; {server.EncryptionSummary}" +
    (server.MetricsAddress is { } metrics ? $"; metrics on {metrics}metrics" : ""));
Console.Out.Flush();
await server.WaitForShutdownAsync();
return 0;

// Exit code 2: the configuration itself is wrong.
static int ConfigurationError(ConfigurationException e)
{
    Console.Error.WriteLine($"{ProgramName}: configuration error: {e.Message}");
    return 2;
}

// Exit code 1: a valid configuration the machine does not let the server run with.
static int StartupCheckFailed(StartupCheckException e)
{
    Console.Error.WriteLine($"{ProgramName}: startup check failed: {e.Message}");
    return 1;
}
