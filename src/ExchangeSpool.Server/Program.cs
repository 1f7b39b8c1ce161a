using System.Reflection;
using ExchangeSpool.Server;
using ExchangeSpool.Server.Configuration;

const string ProgramName = "exchange-spool";

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
    Console.Error.WriteLine($"{ProgramName}: configuration error: {e.Message}");
    return 2;
}

SpoolServer server;
try
{
    server = SpoolServer.Create(configuration);
}
catch (ConfigurationException e)
{
    Console.Error.WriteLine($"{ProgramName}: configuration error: {e.Message}");
    return 2;
}
await using var running = server;
try
{
    await server.StartAsync();
}
catch (IOException e)
{
    Console.Error.WriteLine($"{ProgramName}: cannot listen on {configuration.Server.Address} (exchange.spool.address): {e.Message}");
    return 1;
}
// What the operator set, so a mounted file (the Stackable operator's) can be checked against what the server took;
// printed before "listening", which tools wait for.
foreach (var setting in configuration.Settings.Where(setting => setting.Source != SettingSource.Default))
    Console.WriteLine($"{ProgramName} setting {setting.ReportLine}");
var storage = $"{server.Context.Storage.Kind} {string.Join(", ", server.Context.Storage.BaseDirectories)}";
Console.WriteLine($"{ProgramName} listening on {server.Address} (gRPC, {(server.Tls ? "TLS" : "h2c")}{(configuration.Server.AuthTokenFile is null ? "" : ", bearer token required")}); storage: {storage}; memory limit {configuration.Spool.MemoryLimit} bytes; compression {configuration.Spool.Compression.ToString().ToLowerInvariant()}; {server.EncryptionSummary}" +
    (server.MetricsAddress is { } metrics ? $"; metrics on {metrics}metrics" : ""));
Console.Out.Flush();
await server.WaitForShutdownAsync();
return 0;
