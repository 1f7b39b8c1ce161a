using System.Diagnostics;
using ExchangeSpool.Client;

namespace ExchangeSpool.Bench;

/// <summary>
/// Isolation under pressure: the time of a write (one sink, one partition) on a small memory budget
/// beside many source streams whose consumers stopped reading, as a ratio to the same write alone.
/// "Alone" is a second server with the same settings and no readers, and the writes alternate
/// between the two, so that both see the same load from whatever else runs on the machine; each
/// figure is the median of its writes. A write that does not commit within a minute is a failure of
/// this section, not of the harness. The servers are child processes, as for peak RSS.
/// </summary>
public static class StalledReaders
{
    private const int Repetitions = 9;
    private const int ReadPartitions = 8;
    /// <summary>What each stalled stream has to read: many blocks a file, more than its read-ahead holds.</summary>
    private const long ReadBytes = 16L << 20;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    public static async Task<StalledResult> MeasureAsync(string directory, BenchOptions options)
    {
        string[] settings = [$"exchange.spool.memory-limit={options.StalledMemoryLimit / 1024}kB"];
        using var stalledServer = await ServerProcess.StartAsync(Path.Combine(directory, "stalled"), settings);
        using var quietServer = await ServerProcess.StartAsync(Path.Combine(directory, "alone"), settings);
        using var stalledClient = new SpoolClient(stalledServer.Address);
        using var quietClient = new SpoolClient(quietServer.Address);
        var page = PageData.Random(options.PageSize);
        var beside = new SpoolWorkload(stalledClient, sinks: 1, partitions: 1, options.StalledWriteBytes, page);
        var alone = new SpoolWorkload(quietClient, sinks: 1, partitions: 1, options.StalledWriteBytes, page);
        await TimeWriteAsync(stalledClient, beside);
        await TimeWriteAsync(quietClient, alone);
        await using var stalled = await StalledSources.OpenAsync(stalledServer.Address, stalledClient, options.StalledReaders, page);
        var aloneSeconds = new double[Repetitions];
        var besideSeconds = new double[Repetitions];
        try
        {
            for (var i = 0; i < Repetitions; i++)
            {
                aloneSeconds[i] = await TimeWriteAsync(quietClient, alone);
                besideSeconds[i] = await TimeWriteAsync(stalledClient, beside);
            }
        }
        catch (TimeoutException e)
        {
            return new StalledResult(options.StalledReaders, options.StalledWriteBytes, options.StalledMemoryLimit, Median(aloneSeconds), null, e.Message);
        }
        return new StalledResult(options.StalledReaders, options.StalledWriteBytes, options.StalledMemoryLimit, Median(aloneSeconds), Median(besideSeconds), null);
    }

    private static double Median(double[] seconds)
    {
        var sorted = seconds.Where(s => s > 0).Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
    }

    /// <summary>Creates an exchange, writes and commits it, and closes it; returns the seconds the write took.</summary>
    private static async Task<double> TimeWriteAsync(SpoolClient client, SpoolWorkload write)
    {
        var exchange = await SpoolWorkload.CreateExchangeAsync(client, 1);
        var clock = Stopwatch.StartNew();
        try
        {
            await write.WriteAsync(exchange).WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"a write did not commit within {Patience.TotalSeconds:0} s");
        }
        var elapsed = clock.Elapsed.TotalSeconds;
        await exchange.CloseAsync();
        return elapsed;
    }

    /// <summary>
    /// Source streams over one exchange whose consumer takes nothing: their client stops reading after
    /// one page, and a 64 KiB stream window lets little more through. Open once the server's memory
    /// in use has stopped growing, that is once the streams hold all they will.
    /// </summary>
    private sealed class StalledSources : IAsyncDisposable
    {
        private readonly SpoolClient _stalledClient;
        private readonly SpoolExchange _exchange;
        private readonly List<SpoolSource> _sources = [];

        private StalledSources(Uri address, SpoolExchange exchange)
        {
            _stalledClient = new SpoolClient(address, new SpoolClientOptions { SourceBufferSize = 1, StreamWindowSize = 64 * 1024 });
            _exchange = exchange;
        }

        public static async Task<StalledSources> OpenAsync(Uri address, SpoolClient client, int readers, byte[] page)
        {
            var exchange = await SpoolWorkload.CreateExchangeAsync(client, ReadPartitions);
            await new SpoolWorkload(client, sinks: 1, ReadPartitions, ReadBytes, page).WriteAsync(exchange);
            var handles = new List<SpoolSourceHandle>();
            await foreach (var batch in exchange.GetSourceHandlesAsync())
                handles.AddRange(batch.Handles);
            var selector = new OutputSelector.Builder().SetPartitionCount(exchange.ExchangeId, 1).Include(exchange.ExchangeId, 0, 0).SetFinal().Build();
            var stalled = new StalledSources(address, exchange);
            for (var i = 0; i < readers; i++)
            {
                var source = stalled._stalledClient.CreateSource();
                source.AddSourceHandles(handles);
                source.NoMoreSourceHandles();
                source.SetOutputSelector(selector);
                stalled._sources.Add(source);
            }
            await UntilMemoryStopsGrowingAsync(client);
            return stalled;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var source in _sources)
                await source.DisposeAsync();
            await _exchange.CloseAsync();
            _stalledClient.Dispose();
        }

        private static async Task UntilMemoryStopsGrowingAsync(SpoolClient client)
        {
            var deadline = DateTime.UtcNow + Patience;
            long last = -1;
            var unchanged = 0;
            while (unchanged < 10 && DateTime.UtcNow < deadline)
            {
                var used = (await client.GetServerInfoAsync()).MemoryUsedBytes;
                unchanged = used == last && used > 0 ? unchanged + 1 : 0;
                last = used;
                await Task.Delay(100);
            }
        }
    }
}

/// <summary>The write's median seconds alone and beside the stalled readers (null when it did not commit in time).</summary>
public sealed record StalledResult(int Readers, long WriteBytes, long MemoryLimit, double AloneSeconds, double? BesideSeconds, string? Failure)
{
    public double? Ratio => BesideSeconds / AloneSeconds;
}
