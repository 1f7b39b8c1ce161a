using ExchangeSpool.Client;
using ExchangeSpool.Server.Configuration;

namespace ExchangeSpool.Server.Tests.Process;

/// <summary>
/// An exchange-spool server in the test process, on a free loopback port, spooling to two fresh base
/// directories, and a .NET client connected to it. Dispose stops it and deletes the directories.
/// </summary>
internal sealed class InProcessSpoolServer : IAsyncDisposable
{
    private readonly string _root;
    private readonly SpoolServer _server;

    private InProcessSpoolServer(string root, string[] baseDirectories, SpoolServer server)
    {
        _root = root;
        BaseDirectories = baseDirectories;
        _server = server;
        Client = new SpoolClient(server.Address);
    }

    public IReadOnlyList<string> BaseDirectories { get; }

    public Uri Address => _server.Address;

    public Uri? MetricsAddress => _server.MetricsAddress;

    public Metrics.SpoolMetrics Metrics => _server.Metrics;

    public SpoolClient Client { get; }

    /// <summary><paramref name="extraArguments"/>: settings as command-line options.</summary>
    public static Task<InProcessSpoolServer> StartAsync(params string[] extraArguments) => StartAsync(_ => Task.CompletedTask, extraArguments);

    /// <summary>The same, once <paramref name="prepareStorage"/> has written what the server should find in its base directories.</summary>
    public static async Task<InProcessSpoolServer> StartAsync(Func<IReadOnlyList<string>, Task> prepareStorage, params string[] extraArguments)
    {
        var root = Directory.CreateTempSubdirectory("exchange-spool-inprocess-").FullName;
        string[] baseDirectories = [Path.Combine(root, "a"), Path.Combine(root, "b")];
        await prepareStorage(baseDirectories);
        var request = (RunServer)ServerConfiguration.Load(
        [
            "--exchange.spool.address=127.0.0.1:0",
            $"--exchange.base-directories={string.Join(',', baseDirectories)}",
            .. extraArguments,
        ], _ => null);
        var server = SpoolServer.Create(request.Configuration);
        try
        {
            await server.StartAsync();
        }
        catch
        {
            await server.DisposeAsync();
            Directory.Delete(root, recursive: true);
            throw;
        }
        return new InProcessSpoolServer(root, baseDirectories, server);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            await _server.DisposeAsync();
        }
        finally
        {
            if (Directory.Exists(_root))
                Directory.Delete(_root, recursive: true);
        }
    }
}
