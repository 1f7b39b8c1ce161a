using ExchangeSpool.Client;

namespace ExchangeSpool.Server.Tests.Process;

/// <summary>Pages through a server and back: one sink of one partition, then every page it committed.</summary>
internal static class RoundTrip
{
    /// <summary>Writes <paramref name="pages"/> (UTF-8) into a new exchange and returns what a source reads back.</summary>
    public static async Task<List<string>> WriteAndReadAsync(SpoolClient client, IReadOnlyList<string> pages)
    {
        await using var exchange = await client.CreateExchangeAsync("round-trip", Guid.NewGuid().ToString("N"), 1, false);
        var sink = exchange.AddSink(0);
        var writer = client.CreateSink(exchange.InstantiateSink(sink, 0));
        foreach (var page in pages)
            writer.Add(0, System.Text.Encoding.UTF8.GetBytes(page));
        await writer.FinishAsync().WaitAsync(SpoolProcess.Timeout);
        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        return (await ReadAllAsync(client, exchange)).Select(page => System.Text.Encoding.UTF8.GetString(page)).ToList();
    }

    public static async Task<List<byte[]>> ReadAllAsync(SpoolClient client, SpoolExchange exchange)
    {
        var handles = new List<SpoolSourceHandle>();
        await foreach (var batch in exchange.GetSourceHandlesAsync())
            handles.AddRange(batch.Handles);
        await using var source = client.CreateSource();
        source.SetOutputSelector(new OutputSelector.Builder()
            .SetPartitionCount(exchange.ExchangeId, 1).Include(exchange.ExchangeId, 0, 0).SetFinal().Build());
        source.AddSourceHandles(handles);
        source.NoMoreSourceHandles();
        var pages = new List<byte[]>();
        using var timeout = new CancellationTokenSource(SpoolProcess.Timeout);
        while (!source.IsFinished)
        {
            if (source.Read() is { } page)
                pages.Add(page);
            else
                await source.IsBlocked().WaitAsync(timeout.Token);
        }
        return pages;
    }
}
