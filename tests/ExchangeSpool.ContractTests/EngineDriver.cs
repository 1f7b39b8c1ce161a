using System.Buffers.Binary;
using System.Text;
using ExchangeSpool.Client;

namespace ExchangeSpool.ContractTests;

/// <summary>Drives the client the way Trino's engine drives an exchange manager.</summary>
public static class EngineDriver
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private static int _queryCounter;

    /// <summary>A query id no other test uses.</summary>
    public static string NewQueryId() => $"q{Environment.ProcessId}_{Interlocked.Increment(ref _queryCounter)}";

    public static async Task WriteAsync(SpoolClient client, SpoolExchange exchange, SpoolSinkHandle sink, int attempt,
        IEnumerable<(int Partition, byte[] Page)> pages, bool finish)
    {
        var writer = client.CreateSink(exchange.InstantiateSink(sink, attempt));
        foreach (var (partition, page) in pages)
            writer.Add(partition, page);
        if (finish)
            await writer.FinishAsync().WaitAsync(Patience);
        else
            await writer.AbortAsync().WaitAsync(Patience);
    }

    public static IEnumerable<(int, byte[])> Strings(params (int Partition, string Text)[] pages) =>
        pages.Select(p => (p.Partition, Encoding.UTF8.GetBytes(p.Text)));

    public static async Task<List<SpoolSourceHandle>> AllHandlesAsync(SpoolExchange exchange)
    {
        var handles = new List<SpoolSourceHandle>();
        await foreach (var batch in exchange.GetSourceHandlesAsync())
        {
            handles.AddRange(batch.Handles);
            if (batch.LastBatch)
                break;
        }
        return handles;
    }

    /// <summary>A final selector including exactly the given attempts.</summary>
    public static OutputSelector FinalSelector(SpoolExchange exchange, int sinkCount, params (int Sink, int Attempt)[] included)
    {
        var builder = new OutputSelector.Builder().SetPartitionCount(exchange.ExchangeId, sinkCount);
        for (var sink = 0; sink < sinkCount; sink++)
            builder.Exclude(exchange.ExchangeId, sink);
        foreach (var (sink, attempt) in included)
            builder.Include(exchange.ExchangeId, sink, attempt);
        return builder.SetFinal().Build();
    }

    /// <summary>
    /// Trino's reader loop: never waits on IsBlocked; each turn reads, then adds one handle, and once
    /// all are added calls NoMoreSourceHandles on every later turn.
    /// </summary>
    public static async Task<List<byte[]>> ReadAsync(SpoolSource source, IReadOnlyList<SpoolSourceHandle> handles)
    {
        var pages = new List<byte[]>();
        var next = 0;
        var deadline = DateTime.UtcNow + Patience;
        while (!source.IsFinished)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the source did not finish within {Patience}");
            var page = source.Read();
            if (page is not null)
                pages.Add(page);
            if (next < handles.Count)
                source.AddSourceHandles([handles[next++]]);
            else
                source.NoMoreSourceHandles();
            if (page is null)
                await Task.Delay(1);
        }
        return pages;
    }

    public static async Task<List<byte[]>> ReadAsync(SpoolClient client, OutputSelector selector, IReadOnlyList<SpoolSourceHandle> handles)
    {
        await using var source = client.CreateSource();
        source.SetOutputSelector(selector);
        return await ReadAsync(source, handles);
    }

    public static string[] AsStrings(IEnumerable<byte[]> pages) => pages.Select(p => Encoding.UTF8.GetString(p)).ToArray();

    /// <summary>One page as a WriteSink message frames it: [int32 partition][int32 length][payload].</summary>
    public static byte[] Frame(int partition, byte[] page)
    {
        var frame = new byte[8 + page.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, partition);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4), page.Length);
        page.CopyTo(frame, 8);
        return frame;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails after <see cref="Patience"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("the condition did not become true in time");
            await Task.Delay(20);
        }
    }
}
