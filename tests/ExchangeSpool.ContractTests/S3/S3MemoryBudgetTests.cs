using System.Security.Cryptography;
using ExchangeSpool.Client;
using static ExchangeSpool.ContractTests.EngineDriver;

namespace ExchangeSpool.ContractTests.S3;

/// <summary>
/// S3 inside a small memory budget: many sinks whose partitions each hold less than a part (so no
/// part can be uploaded) together want far more than the budget. Their parts are the sinks' own
/// blocks, charged to the budget; a sink short of memory completes the files its partly filled parts
/// belong to, which needs no memory, so every sink keeps going.
/// </summary>
[Collection(S3Collection.Name)]
public sealed class S3MemoryBudgetTests(SmallBudgetS3SpoolServer server) : IClassFixture<SmallBudgetS3SpoolServer>
{
    private const int Sinks = 12;
    private const int Partitions = 6;
    private const int PageSize = 128 * 1024;
    /// <summary>2MB a partition: under the 5MB part, 144MB in all against a 24MB budget.</summary>
    private const int PagesPerPartition = 16;

    [Fact]
    public async Task ManySinksHoldingPartlyFilledParts_AllCommitWithinASmallBudget_AndEveryPageReadsBack()
    {
        var queryId = NewQueryId();
        await using var exchange = await server.Client.CreateExchangeAsync(queryId, "budget", Partitions, false);
        var pages = Enumerable.Range(0, Sinks).Select(_ => Enumerable.Range(0, Partitions * PagesPerPartition)
            .Select(i => (Partition: i % Partitions, Page: RandomNumberGenerator.GetBytes(PageSize))).ToArray()).ToArray();

        await Task.WhenAll(Enumerable.Range(0, Sinks).Select(async sink =>
        {
            var handle = exchange.AddSink(sink);
            await WriteAsync(server.Client, exchange, handle, 0, pages[sink], finish: true);
            exchange.SinkFinished(handle, 0);
        })).WaitAsync(Patience);
        exchange.AllRequiredSinksFinished();
        var read = await ReadAsync(server.Client, FinalSelector(exchange, Sinks, [.. Enumerable.Range(0, Sinks).Select(sink => (sink, 0))]),
            await AllHandlesAsync(exchange));

        Assert.Equal(pages.SelectMany(sink => sink).Select(p => Convert.ToHexString(p.Page)).Order(), read.Select(Convert.ToHexString).Order());
    }
}

/// <summary>The S3 fixture with a 24MB memory budget (and 1MB pages, so that the budget may be that small).</summary>
public sealed class SmallBudgetS3SpoolServer : S3SpoolServer
{
    protected override IEnumerable<string> ExtraArguments =>
        [.. base.ExtraArguments, "--exchange.spool.memory-limit=24MB", "--exchange.max-page-storage-size=1MB"];
}
