using ExchangeSpool.Client;

namespace ExchangeSpool.Bench;

/// <summary>
/// Drives one exchange through the .NET client the way Trino's engine does: S sinks write pages
/// round-robin over P partitions (waiting on IsBlocked, as a driver does), commit, and S sources read
/// every planned handle back. Used by the throughput and the memory sections alike; as a throughput
/// subject, a round is one exchange written and committed, then planned and read back (planning is part
/// of the read time, as it is part of a consumer's wait), then closed. Streams go over
/// <paramref name="client"/>'s connection, or sink i and source i over <paramref name="clientOfStream"/>(i).
/// </summary>
public sealed class SpoolWorkload(SpoolClient client, int sinks, int partitions, long bytes, byte[] page, Func<int, SpoolClient>? clientOfStream = null)
    : IThroughputSubject
{
    private static int _exchangeCounter;

    public static Task<SpoolExchange> CreateExchangeAsync(SpoolClient client, int partitions) =>
        client.CreateExchangeAsync($"bench{Environment.ProcessId}", $"e{Interlocked.Increment(ref _exchangeCounter)}", partitions, false);

    /// <summary>An exchange of the same shape and <paramref name="bytes"/> (<see cref="Throughput.WarmUpBytes"/>), written and read, so that JIT and connection setup are not charged to a measured run.</summary>
    public static Task WarmUpAsync(SpoolClient client, int sinks, int partitions, long bytes, byte[] page) =>
        new SpoolWorkload(client, sinks, partitions, bytes, page).MeasureRoundAsync();

    public async Task<Directions> MeasureRoundAsync()
    {
        var exchange = await CreateExchangeAsync(client, partitions);
        try
        {
            var write = await Throughput.MeasureAsync(bytes, () => WriteAsync(exchange));
            var read = await Throughput.MeasureAsync(bytes, () => ReadAsync(exchange));
            return new Directions(write, read);
        }
        finally
        {
            await exchange.CloseAsync();
        }
    }

    /// <summary>Writes and commits every sink; throws what failed the first failed sink.</summary>
    public async Task WriteAsync(SpoolExchange exchange)
    {
        await Task.WhenAll(Enumerable.Range(0, sinks).Select(sink => Task.Run(() => WriteSinkAsync(exchange, sink))));
        exchange.NoMoreSinks();
        exchange.AllRequiredSinksFinished();
    }

    /// <summary>Plans and reads back everything; returns the page bytes read, checked against what was written.</summary>
    public async Task<long> ReadAsync(SpoolExchange exchange)
    {
        var handles = new List<SpoolSourceHandle>();
        await foreach (var batch in exchange.GetSourceHandlesAsync())
            handles.AddRange(batch.Handles);
        var builder = new OutputSelector.Builder().SetPartitionCount(exchange.ExchangeId, sinks);
        foreach (var sink in Enumerable.Range(0, sinks))
            builder.Include(exchange.ExchangeId, sink, 0);
        var selector = builder.SetFinal().Build();
        // As many sources as sinks, so both directions use the same number of streams.
        var sources = Math.Max(1, Math.Min(sinks, handles.Count));
        var read = await Task.WhenAll(Enumerable.Range(0, sources).Select(i =>
            Task.Run(() => ReadSourceAsync(ClientOf(i), selector, handles.Where((_, h) => h % sources == i).ToList()))));
        var total = read.Sum();
        if (total != bytes)
            throw new InvalidOperationException($"read {total} bytes of pages back, {bytes} were written");
        return total;
    }

    private async Task WriteSinkAsync(SpoolExchange exchange, int sinkId)
    {
        var sink = exchange.AddSink(sinkId);
        var writer = ClientOf(sinkId).CreateSink(exchange.InstantiateSink(sink, 0));
        var length = PageData.Share(bytes, sinks, sinkId);
        var partition = sinkId % partitions;
        for (long written = 0; written < length; written += page.Length)
        {
            await writer.IsBlocked;
            writer.Add(partition, page.AsSpan(0, (int)Math.Min(page.Length, length - written)));
            partition = (partition + 1) % partitions;
        }
        await writer.FinishAsync();
        exchange.SinkFinished(sink, 0);
    }

    private SpoolClient ClientOf(int stream) => clientOfStream?.Invoke(stream) ?? client;

    private static async Task<long> ReadSourceAsync(SpoolClient client, OutputSelector selector, List<SpoolSourceHandle> handles)
    {
        await using var source = client.CreateSource();
        source.AddSourceHandles(handles);
        source.NoMoreSourceHandles();
        source.SetOutputSelector(selector);
        long read = 0;
        while (true)
        {
            if (source.Read() is { } received)
                read += received.Length;
            else if (source.IsFinished)
                return read;
            else
                await source.IsBlocked();
        }
    }
}
