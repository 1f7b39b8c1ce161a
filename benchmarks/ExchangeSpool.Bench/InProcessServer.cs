using ExchangeSpool.Client;
using ExchangeSpool.Server;
using ExchangeSpool.Server.Configuration;

namespace ExchangeSpool.Bench;

/// <summary>
/// An exchange-spool server in this process, on a free loopback port, configured through its own
/// command-line options — in-process like the transport endpoint, so the two are compared under the
/// same conditions (one process, same runtime settings).
/// </summary>
public sealed class InProcessServer : IAsyncDisposable
{
    private readonly SpoolServer _server;

    private InProcessServer(SpoolServer server) => _server = server;

    public Uri Address => _server.Address;

    /// <param name="settings">Server settings as <c>key=value</c>, e.g. <c>exchange.encryption-enabled=true</c>.</param>
    public static async Task<InProcessServer> StartAsync(string directory, params string[] settings)
    {
        var request = ServerConfiguration.Load(ServerArguments.For(directory, settings), _ => null);
        var configuration = (request as RunServer)?.Configuration ?? throw new InvalidOperationException($"unexpected startup request {request}");
        var server = SpoolServer.Create(configuration);
        await server.StartAsync();
        return new InProcessServer(server);
    }

    public SpoolClient CreateClient() => new(Address);

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

/// <summary>The command line every server of the harness gets: its own directories, a free loopback port, then the section's settings.</summary>
public static class ServerArguments
{
    /// <summary>A section that names its own base directories (S3) replaces the local default.</summary>
    public static string[] For(string directory, IEnumerable<string> settings)
    {
        var given = settings.ToList();
        var baseDirectories = given.Any(s => s.StartsWith("exchange.base-directories=", StringComparison.Ordinal))
            ? []
            : new[] { $"--exchange.base-directories={Path.Combine(directory, "spool")}" };
        return
        [
            .. baseDirectories,
            $"--exchange.spool.data-directory={Path.Combine(directory, "state")}",
            "--exchange.spool.address=127.0.0.1:0",
            .. given.Select(setting => $"--{setting}"),
        ];
    }
}
