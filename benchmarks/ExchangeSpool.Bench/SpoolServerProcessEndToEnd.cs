using ExchangeSpool.Client;

namespace ExchangeSpool.Bench;

/// <summary>
/// ExchangeSpool end to end with the server in a child process, so that the CPU time it spends
/// moving the bytes is its own, apart from the client's; otherwise as <see cref="SpoolEndToEnd"/>.
/// </summary>
public sealed class SpoolServerProcessEndToEnd : IThroughputSubject, IDisposable
{
    private readonly ServerProcess _server;
    private readonly SpoolClient _client;
    private readonly SpoolWorkload _workload;

    private SpoolServerProcessEndToEnd(ServerProcess server, SpoolClient client, SpoolWorkload workload)
    {
        _server = server;
        _client = client;
        _workload = workload;
    }

    public ServerProcess Server => _server;

    public static async Task<SpoolServerProcessEndToEnd> StartAsync(string directory, int sinks, int partitions, long bytes, int pageSize, IEnumerable<string> settings)
    {
        var server = await ServerProcess.StartAsync(directory, settings);
        var client = new SpoolClient(server.Address);
        var started = new SpoolServerProcessEndToEnd(server, client, new SpoolWorkload(client, sinks, partitions, bytes, PageData.Random(pageSize)));
        try
        {
            await SpoolWorkload.WarmUpAsync(client, sinks, partitions, Throughput.WarmUpBytes(bytes, (long)sinks * pageSize), PageData.Random(pageSize));
            return started;
        }
        catch
        {
            started.Dispose();
            throw;
        }
    }

    public Task<Directions> MeasureRoundAsync() => _workload.MeasureRoundAsync();

    public void Dispose()
    {
        _client.Dispose();
        _server.Dispose();
    }
}

/// <summary>
/// A subject whose rounds are charged the CPU time <paramref name="cpu"/> reports (a process's
/// user and system time), per gigabyte moved: each round writes its bytes and reads them back.
/// </summary>
public sealed class CpuAccounted(IThroughputSubject subject, Func<TimeSpan> cpu, long bytesPerDirection) : IThroughputSubject
{
    private TimeSpan _spent;
    private long _moved;

    public double CpuSecondsPerGigabyte => _moved == 0 ? 0 : _spent.TotalSeconds / (_moved / 1e9);

    public async Task<Directions> MeasureRoundAsync()
    {
        var before = cpu();
        var round = await subject.MeasureRoundAsync();
        _spent += cpu() - before;
        _moved += 2 * bytesPerDirection;
        return round;
    }
}
