using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.RegularExpressions;
using ExchangeSpool.ContractTests.Metrics;
using ExchangeSpool.Storage.S3;
using static ExchangeSpool.ContractTests.EngineDriver;

namespace ExchangeSpool.ContractTests.S3;

/// <summary>The S3 fixture with metrics on.</summary>
public sealed class MeteredS3SpoolServer : S3SpoolServer
{
    protected override IEnumerable<string> ExtraArguments => [.. base.ExtraArguments, "--exchange.spool.metrics-address=127.0.0.1:0"];
}

/// <summary>The storage backend's meters reach the server's Prometheus endpoint through the seam, next to the server's own.</summary>
[Collection(S3Collection.Name)]
public sealed partial class S3MetricsTests(MeteredS3SpoolServer server) : IClassFixture<MeteredS3SpoolServer>
{
    [Fact]
    public async Task Metrics_CountTheS3RequestsOfACommittedSink()
    {
        await using var exchange = await server.Client.CreateExchangeAsync(NewQueryId(), "e", 1, false);
        var sink = exchange.AddSink(0);
        var puts = await S3RequestsAsync("PUT");

        await WriteAsync(server.Client, exchange, sink, 0, Strings((0, "counted")), finish: true);

        // At least the data file and the commit manifest.
        Assert.True(await S3RequestsAsync("PUT") >= puts + 2, "the committed sink's PUT requests are not counted on /metrics");
    }

    [Fact]
    public async Task Stopping_TheServer_DisposesItsStorage_WhoseMetersEnd()
    {
        var stopped = new S3SpoolServer();
        await stopped.InitializeAsync();
        var meters = stopped.Server.Context.Storage.Meters;
        var ended = new HashSet<Meter>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listening) =>
            {
                if (meters.Contains(instrument.Meter))
                    listening.EnableMeasurementEvents(instrument);
            },
            MeasurementsCompleted = (instrument, _) =>
            {
                lock (ended)
                    ended.Add(instrument.Meter);
            },
        };
        listener.Start();

        await stopped.DisposeAsync();

        Assert.NotEmpty(meters);
        Assert.Equal(meters.ToHashSet(), ended);
    }

    /// <summary>docs/metrics.md's storage rows: each is in the S3 server's scrape with its type, and every storage family there is listed.</summary>
    [Fact]
    public async Task MetricsPage_ListsEveryStorageMetricWithItsType()
    {
        var documented = MetricsPage.Rows();

        var scrape = await PrometheusScrape.ReadAsync(server.Server.MetricsAddress!);

        foreach (var row in documented.Where(r => r.ExportedBy == "storage"))
        {
            Assert.True(scrape.Types.GetValueOrDefault(row.Name) == row.Type,
                $"docs/metrics.md: {row.Name} is a {row.Type}, the scrape has {scrape.Types.GetValueOrDefault(row.Name) ?? "no such metric"}");
            Assert.Equal(Enum.GetValues<S3RequestType>().Select(S3RequestCounters.Name).Order(),
                scrape.Samples(row.Name, ("backend", "s3")).Select(s => s.Labels["type"]).Order());
        }
        var undocumented = scrape.Types.Keys.Where(name => name.StartsWith("exchangespool_", StringComparison.Ordinal))
            .Except(documented.Select(r => r.Name)).ToList();
        Assert.True(undocumented.Count == 0, $"not in docs/metrics.md: {string.Join(", ", undocumented)}");
    }

    /// <summary>Every metric docker/grafana-dashboard.json queries is in the scrape of a server that wrote, committed and read, on S3.</summary>
    [Fact]
    public async Task GrafanaDashboard_QueriesOnlyMetricsTheServerExports()
    {
        await using var exchange = await server.Client.CreateExchangeAsync(NewQueryId(), "e", 1, false);
        var sink = exchange.AddSink(0);
        await WriteAsync(server.Client, exchange, sink, 0, Strings((0, "dashboard")), finish: true);
        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        Assert.Equal(["dashboard"], AsStrings(await ReadAsync(server.Client, FinalSelector(exchange, 1, (0, 0)), await AllHandlesAsync(exchange))));
        var queries = DashboardQueries();

        var scrape = await PrometheusScrape.ReadAsync(server.Server.MetricsAddress!);

        Assert.True(queries.Count >= 10, $"the dashboard has {queries.Count} queries");
        var named = queries.SelectMany(query => MetricName().Matches(query).Select(m => m.Value)).Distinct().ToList();
        Assert.Contains("exchangespool_storage_requests_total", named);
        var missing = named.Except(scrape.SampleNames).ToList();
        Assert.True(missing.Count == 0, $"the dashboard queries metrics the server does not export: {string.Join(", ", missing)}");
    }

    private static List<string> DashboardQueries()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(MetricsPage.RepositoryFile("docker", "grafana-dashboard.json")));
        var root = dashboard.RootElement;
        return root.GetProperty("panels").EnumerateArray()
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray().Select(target => target.GetProperty("expr").GetString()!))
            .Concat(root.GetProperty("templating").GetProperty("list").EnumerateArray()
                .Where(variable => variable.GetProperty("type").GetString() == "query")
                .Select(variable => variable.GetProperty("query").GetString()!))
            .ToList();
    }

    private async Task<long> S3RequestsAsync(string type)
    {
        var scrape = await PrometheusScrape.ReadAsync(server.Server.MetricsAddress!);
        Assert.Equal("gauge", scrape.TypeOf("exchangespool_memory_limit_bytes")); // the server's own meter is there too
        return (long)scrape.Value("exchangespool_storage_requests_total", ("backend", "s3"), ("type", type));
    }

    [GeneratedRegex(@"\b(exchangespool|dotnet)_[a-z0-9_]+\b")]
    private static partial Regex MetricName();
}
