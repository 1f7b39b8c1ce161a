using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.RegularExpressions;
using static ExchangeSpool.ContractTests.EngineDriver;

namespace ExchangeSpool.ContractTests.S3;

/// <summary>The S3 fixture with metrics on.</summary>
public sealed class MeteredS3SpoolServer : S3SpoolServer
{
    protected override IEnumerable<string> ExtraArguments => [.. base.ExtraArguments, "--exchange.spool.metrics-address=127.0.0.1:0"];
}

/// <summary>The storage backend's meters reach the server's Prometheus endpoint through the seam, next to the server's own.</summary>
[Collection(S3Collection.Name)]
public sealed class S3MetricsTests(MeteredS3SpoolServer server) : IClassFixture<MeteredS3SpoolServer>
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

    private async Task<long> S3RequestsAsync(string type)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri(server.Server.MetricsAddress!, "/metrics"));
        Assert.Contains("# TYPE exchangespool_memory_limit gauge", text); // the server's own meter is there too
        var match = Regex.Match(text, $@"^exchangespool_s3_requests_total\{{type=""{type}""\}} (\d+)$", RegexOptions.Multiline);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }
}
