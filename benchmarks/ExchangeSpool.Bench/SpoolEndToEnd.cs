using ExchangeSpool.Client;

namespace ExchangeSpool.Bench;

/// <summary>
/// ExchangeSpool end to end in this process: a server with the given settings (default otherwise),
/// the .NET client, and <see cref="SpoolWorkload"/> rounds of S sinks × P partitions × B bytes.
/// Warmed up when started.
/// </summary>
public sealed class SpoolEndToEnd : IThroughputSubject, IAsyncDisposable
{
    private readonly InProcessServer _server;
    private readonly SpoolClient _client;
    private readonly SpoolWorkload _workload;

    private SpoolEndToEnd(InProcessServer server, SpoolClient client, SpoolWorkload workload)
    {
        _server = server;
        _client = client;
        _workload = workload;
    }

    /// <param name="settings">Server settings as <c>key=value</c>, e.g. <c>exchange.encryption-enabled=true</c>.</param>
    public static async Task<SpoolEndToEnd> StartAsync(string directory, int sinks, int partitions, long bytes, int pageSize, params string[] settings)
    {
        var server = await InProcessServer.StartAsync(directory, settings);
        var client = server.CreateClient();
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
