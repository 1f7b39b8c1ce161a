using System.Security.Cryptography;
using static ExchangeSpool.ContractTests.EngineDriver;

namespace ExchangeSpool.ContractTests;

/// <summary>Runtime adaptive partitioning: 1000 partitions within the same memory budget.</summary>
public sealed class WidePartitionTests(WidePartitionLocalSpoolServer server) : IClassFixture<WidePartitionLocalSpoolServer>
{
    [Fact]
    public async Task ThousandPartitions_Of64KiBPages_RoundTrip()
    {
        var client = server.Client;
        await using var exchange = await client.CreateExchangeAsync(NewQueryId(), "wide", 1000, false);
        var pages = Enumerable.Range(0, 1000).Select(p => (p, RandomNumberGenerator.GetBytes(64 * 1024))).ToArray();
        var sinks = Enumerable.Range(0, 2).Select(exchange.AddSink).ToArray();
        await Task.WhenAll(sinks.Select(sink => WriteAsync(client, exchange, sink, 0, pages, finish: true)));
        foreach (var sink in sinks)
            exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        var handles = await AllHandlesAsync(exchange);
        Assert.Equal(1000, handles.Select(h => h.PartitionId).Distinct().Count());

        var read = await ReadAsync(client, FinalSelector(exchange, 2, (0, 0), (1, 0)), handles);
        var expected = pages.SelectMany(p => new[] { p.Item2, p.Item2 }).Select(Convert.ToHexString).Order();
        Assert.Equal(expected, read.Select(Convert.ToHexString).Order());
    }
}
