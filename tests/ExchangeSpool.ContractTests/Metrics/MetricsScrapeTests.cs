using ExchangeSpool.Client;
using Grpc.Core;
using static ExchangeSpool.ContractTests.EngineDriver;

namespace ExchangeSpool.ContractTests.Metrics;

/// <summary>
/// What a real server's <c>/metrics</c> (on <c>exchange.spool.metrics-address</c>) shows: names,
/// types from the <c># TYPE</c> lines, labels, and values that move with the work done. A fresh
/// server per test, so that "before" is really before anything happened.
/// </summary>
public sealed class MetricsScrapeTests : IAsyncLifetime
{
    private readonly MeteredLocalSpoolServer _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    private SpoolClient Client => _server.Client;

    private Task<PrometheusScrape> ScrapeAsync() => PrometheusScrape.ReadAsync(_server.Server.MetricsAddress!);

    [Fact]
    public async Task IntegrityFailures_BeforeAnyFailure_AreExportedAtZero()
    {
        var scrape = await ScrapeAsync();

        Assert.Equal("counter", scrape.TypeOf("exchangespool_integrity_failures_total"));
        Assert.Equal(0, scrape.Value("exchangespool_integrity_failures_total"));
    }

    [Fact]
    public async Task WriteAndCommit_CountTheReceivedPagesTheirFramedBytesAndTheCommit()
    {
        var before = await ScrapeAsync();
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "e", 2, false);

        await WriteAsync(Client, exchange, exchange.AddSink(0), 0, [(0, new byte[1000]), (1, new byte[2500])], finish: true);

        var after = await ScrapeAsync();
        foreach (var counter in new[] { "exchangespool_written_bytes_total", "exchangespool_pages_written_total", "exchangespool_commits_total" })
            Assert.Equal("counter", after.TypeOf(counter));
        // Each page arrives framed as [int32 partition][int32 length][page].
        Assert.Equal(1000 + 2500 + 2 * 8, Moved(before, after, "exchangespool_written_bytes_total"));
        Assert.Equal(2, Moved(before, after, "exchangespool_pages_written_total"));
        Assert.Equal(1, Moved(before, after, "exchangespool_commits_total"));
    }

    [Fact]
    public async Task Read_CountsThePagesSentToSourcesAndTheirBytes()
    {
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "e", 1, false);
        var sink = exchange.AddSink(0);
        await WriteAsync(Client, exchange, sink, 0, [(0, new byte[1000]), (0, new byte[2500])], finish: true);
        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        var before = await ScrapeAsync();

        var pages = await ReadAsync(Client, FinalSelector(exchange, 1, (0, 0)), await AllHandlesAsync(exchange));

        var after = await ScrapeAsync();
        Assert.Equal(2, pages.Count);
        Assert.Equal("counter", after.TypeOf("exchangespool_read_bytes_total"));
        Assert.Equal("counter", after.TypeOf("exchangespool_pages_read_total"));
        Assert.Equal(2, Moved(before, after, "exchangespool_pages_read_total"));
        // The spooled frames are sent as stored, in files of one partition: [int32 length][page].
        Assert.Equal(1000 + 2500 + 2 * 4, Moved(before, after, "exchangespool_read_bytes_total"));
    }

    [Fact]
    public async Task IntegrityFailure_OfATamperedFile_IsCounted()
    {
        var queryId = NewQueryId();
        await using var exchange = await Client.CreateExchangeAsync(queryId, "tampered", 1, false);
        var sink = exchange.AddSink(0);
        await WriteAsync(Client, exchange, sink, 0, [(0, new byte[10_000])], finish: true);
        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        var dataFile = (await _server.ExchangeDirectoriesOfQueryAsync(queryId))
            .SelectMany(d => Directory.EnumerateFiles(d, "*.data", SearchOption.AllDirectories)).Single();
        var bytes = await File.ReadAllBytesAsync(dataFile);
        bytes[^1] ^= 1;
        await File.WriteAllBytesAsync(dataFile, bytes);
        var handles = await AllHandlesAsync(exchange);

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => ReadAsync(Client, FinalSelector(exchange, 1, (0, 0)), handles));

        Assert.Equal(StatusCode.DataLoss, Assert.IsType<RpcException>(failure.InnerException ?? failure).StatusCode);
        var scrape = await ScrapeAsync();
        Assert.Equal(1, scrape.Value("exchangespool_integrity_failures_total"));
    }

    [Fact]
    public async Task Gauges_ShowTheBudgetAndTheOpenStreams()
    {
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "e", 1, false);
        var writer = Client.CreateSink(exchange.InstantiateSink(exchange.AddSink(0), 0));
        // The second page does not fit the client's 1 MiB batch, so the first batch is sent and the stream opens.
        writer.Add(0, new byte[700_000]);
        writer.Add(0, new byte[700_000]);

        await WaitUntilAsync(async () => (await ScrapeAsync()).Value("exchangespool_sinks_active") == 1);
        var open = await ScrapeAsync();
        await writer.FinishAsync().WaitAsync(Patience);
        await WaitUntilAsync(async () => (await ScrapeAsync()).Value("exchangespool_sinks_active") == 0);

        foreach (var gauge in new[] { "exchangespool_memory_used_bytes", "exchangespool_memory_limit_bytes", "exchangespool_memory_waiters",
                     "exchangespool_sinks_active", "exchangespool_sources_active" })
            Assert.Equal("gauge", open.TypeOf(gauge));
        Assert.Equal(_server.Server.Context.Budget.Limit, open.Value("exchangespool_memory_limit_bytes"));
        Assert.True(open.Value("exchangespool_memory_used_bytes") > 0, "an open sink holds a buffer of the budget");
        Assert.Equal(0, open.Value("exchangespool_memory_waiters"));
    }

    [Fact]
    public async Task BuildInfo_IsOneWithTheServersVersion()
    {
        var info = await Client.GetServerInfoAsync();

        var scrape = await ScrapeAsync();

        Assert.Equal("gauge", scrape.TypeOf("exchangespool_build_info"));
        Assert.Equal(1, scrape.Value("exchangespool_build_info", ("version", info.Version)));
    }

    [Fact]
    public async Task ProcessAndGcMetrics_AreExported()
    {
        GC.Collect();

        var scrape = await ScrapeAsync();

        Assert.Equal("counter", scrape.TypeOf("dotnet_gc_collections_total"));
        Assert.True(scrape.Value("dotnet_gc_collections_total", ("gc_heap_generation", "gen2")) >= 1);
        Assert.Equal("counter", scrape.TypeOf("dotnet_process_cpu_time_seconds_total"));
        Assert.True(scrape.Samples("dotnet_process_cpu_time_seconds_total").Sum(s => s.Value) > 0);
        Assert.Equal("gauge", scrape.TypeOf("dotnet_process_memory_working_set_bytes"));
        Assert.True(scrape.Value("dotnet_process_memory_working_set_bytes") > 0);
    }

    /// <summary>Servers in one process (as in these tests) have meters of the same names; each exports only its own.</summary>
    [Fact]
    public async Task Scrape_OfOneServer_ShowsNoneOfAnotherServersInstruments()
    {
        var other = new SmallBudgetServer();
        await other.InitializeAsync();
        try
        {
            var scrape = await ScrapeAsync();
            var otherScrape = await PrometheusScrape.ReadAsync(other.Server.MetricsAddress!);

            Assert.Equal(_server.Server.Context.Budget.Limit, scrape.Value("exchangespool_memory_limit_bytes"));
            Assert.Equal(64 * 1024 * 1024, otherScrape.Value("exchangespool_memory_limit_bytes"));
        }
        finally
        {
            await other.DisposeAsync();
        }
    }

    /// <summary>
    /// docs/metrics.md lists the server's metrics (rows exported by <c>server</c>) with their types:
    /// each is in a real scrape with that type, and every exchangespool_ family of the scrape is listed.
    /// </summary>
    [Fact]
    public async Task MetricsPage_ListsEveryServerMetricWithItsType()
    {
        var documented = MetricsPage.Rows();

        var scrape = await ScrapeAsync();

        foreach (var row in documented.Where(r => r.ExportedBy == "server"))
            Assert.True(scrape.Types.GetValueOrDefault(row.Name) == row.Type, $"docs/metrics.md: {row.Name} is a {row.Type}, the scrape has {scrape.Types.GetValueOrDefault(row.Name) ?? "no such metric"}");
        var undocumented = scrape.Types.Keys.Where(name => name.StartsWith("exchangespool_", StringComparison.Ordinal))
            .Except(documented.Select(r => r.Name)).ToList();
        Assert.True(undocumented.Count == 0, $"not in docs/metrics.md: {string.Join(", ", undocumented)}");
    }

    private sealed class SmallBudgetServer : SpoolServerFixture
    {
        protected override IEnumerable<string> ExtraArguments => ["--exchange.spool.metrics-address=127.0.0.1:0", "--exchange.spool.memory-limit=64MB"];
    }

    private static double Moved(PrometheusScrape before, PrometheusScrape after, string name) => after.Value(name) - before.Value(name);
}
