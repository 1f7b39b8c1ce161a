using System.Security.Cryptography;
using static ExchangeSpool.ContractTests.EngineDriver;

namespace ExchangeSpool.ContractTests;

/// <summary>When the memory budget is spent, sinks wait (the server stops reading their streams) instead of failing.</summary>
public sealed class BackPressureTests(TightMemoryLocalSpoolServer server) : IClassFixture<TightMemoryLocalSpoolServer>
{
    [Fact]
    public async Task ManyConcurrentSinks_BeyondTheMemoryBudget_AllCommitWithinTheBudget()
    {
        var client = server.Client;
        await using var exchange = await client.CreateExchangeAsync(NewQueryId(), "tight", 50, false);
        var page = RandomNumberGenerator.GetBytes(32 * 1024);
        var pages = Enumerable.Range(0, 50 * 8).Select(i => (i % 50, page)).ToArray();
        var sinks = Enumerable.Range(0, 8).Select(exchange.AddSink).ToArray();

        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, (await client.GetServerInfoAsync()).MemoryUsedBytes);
                await Task.Delay(5);
            }
        });
        await Task.WhenAll(sinks.Select(sink => WriteAsync(client, exchange, sink, 0, pages, finish: true)));
        await sampling.CancelAsync();
        await sampler;

        Assert.InRange(peak, 1, TightMemoryLocalSpoolServer.MemoryLimit);
        foreach (var sink in sinks)
            exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        var read = await ReadAsync(client, FinalSelector(exchange, 8, sinks.Select(s => (s.TaskPartitionId, 0)).ToArray()), await AllHandlesAsync(exchange));
        Assert.Equal(pages.Length * sinks.Length, read.Count);
        Assert.All(read, p => Assert.True(p.AsSpan().SequenceEqual(page)));
    }
}
