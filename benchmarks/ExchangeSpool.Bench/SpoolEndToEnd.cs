using ExchangeSpool.Client;

namespace ExchangeSpool.Bench;

/// <summary>
/// ExchangeSpool end to end: a server with the given settings (default otherwise), in this process
/// or in a child process (whose CPU time is then its own, apart from the client's), the .NET client,
/// and <see cref="SpoolWorkload"/> rounds of S sinks × P partitions × B bytes. Warmed up when started.
/// </summary>
public sealed class SpoolEndToEnd : IThroughputSubject, IAsyncDisposable
{
    private readonly IAsyncDisposable _server;
    private readonly SpoolClient _client;
    private readonly SpoolWorkload _workload;

    private SpoolEndToEnd(IAsyncDisposable server, SpoolClient client, SpoolWorkload workload)
    {
        _server = server;
        _client = client;
        _workload = workload;
    }

    /// <summary>The server's process when it runs in one of its own.</summary>
    public ServerProcess? Process => _server as ServerProcess;

    /// <param name="settings">Server settings as <c>key=value</c>, e.g. <c>exchange.encryption-enabled=true</c>.</param>
    public static async Task<SpoolEndToEnd> StartAsync(string directory, int sinks, int partitions, long bytes, int pageSize, params string[] settings)
    {
        var server = await InProcessServer.StartAsync(directory, settings);
        return await WarmUpAsync(server, server.CreateClient(), sinks, partitions, bytes, pageSize);
    }

    /// <summary>As <see cref="StartAsync"/> with the server in a child process.</summary>
    public static async Task<SpoolEndToEnd> StartProcessAsync(string directory, int sinks, int partitions, long bytes, int pageSize, params string[] settings)
    {
        var server = await ServerProcess.StartAsync(directory, settings);
        return await WarmUpAsync(server, new SpoolClient(server.Address), sinks, partitions, bytes, pageSize);
    }

    private static async Task<SpoolEndToEnd> WarmUpAsync(IAsyncDisposable server, SpoolClient client, int sinks, int partitions, long bytes, int pageSize)
    {
        var started = new SpoolEndToEnd(server, client, new SpoolWorkload(client, sinks, partitions, bytes, PageData.Random(pageSize)));
        try
        {
            await SpoolWorkload.WarmUpAsync(client, sinks, partitions, Throughput.WarmUpBytes(bytes, (long)sinks * pageSize), PageData.Random(pageSize));
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    public Task<Directions> MeasureRoundAsync() => _workload.MeasureRoundAsync();

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }
}

public sealed record SpoolResult(bool Encryption, RepeatedDirections Throughput)
{
    public string Measurement(Direction direction) => $"spool {direction.Name}, encryption {(Encryption ? "on" : "off")}";
}
