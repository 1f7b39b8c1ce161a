using System.Diagnostics.Metrics;

namespace ExchangeSpool.Server.Metrics;

/// <summary>The server's instruments, on one meter per server (so tests can tell servers apart).</summary>
public sealed class SpoolMetrics : IDisposable
{
    public const string MeterName = "ExchangeSpool";
    public const string IntegrityFailuresName = "exchangespool.integrity_failures";

    public const string Http2ConnectionErrorsName = "exchangespool.http2.connection_errors";

    public const string OrphanedExchangesName = "exchangespool.orphans.swept";

    private readonly Counter<long> _integrityFailures;
    private readonly Counter<long> _http2ConnectionErrors;
    private readonly Counter<long> _orphanSweeps;

    public SpoolMetrics()
    {
        Meter = new Meter(MeterName);
        _integrityFailures = Meter.CreateCounter<long>(IntegrityFailuresName, unit: "{failure}",
            description: "Reads refused because spooled data failed verification (checksum, authentication, length, identity).");
        _http2ConnectionErrors = Meter.CreateCounter<long>(Http2ConnectionErrorsName, unit: "{connection}",
            description: "Client connections the server closed with an HTTP/2 connection error (GOAWAY), failing every call on them.");
        _orphanSweeps = Meter.CreateCounter<long>(OrphanedExchangesName, unit: "{exchange}",
            description: "Exchanges the orphan sweeper found idle past exchange.spool.orphan-ttl, by outcome: deleted, revived (used again while being swept: closed, kept), failed (tried again next sweep).");
    }

    public Meter Meter { get; }

    public void IntegrityFailure() => _integrityFailures.Add(1);

    public void Http2ConnectionError() => _http2ConnectionErrors.Add(1);

    public void OrphansSwept(int deleted, int revived, int failed)
    {
        _orphanSweeps.Add(deleted, new KeyValuePair<string, object?>("outcome", "deleted"));
        _orphanSweeps.Add(revived, new KeyValuePair<string, object?>("outcome", "revived"));
        _orphanSweeps.Add(failed, new KeyValuePair<string, object?>("outcome", "failed"));
    }

    /// <summary>Gauges read when scraped: what the memory budget holds and how many streams are open.</summary>
    public void ObserveServer(Func<long> memoryUsed, long memoryLimit, Func<int> activeSinks, Func<int> activeSources)
    {
        Meter.CreateObservableGauge("exchangespool.memory.used", memoryUsed, unit: "By",
            description: "Bytes of the memory budget held by sink buffers and read-ahead (exchange.spool.memory-limit).");
        Meter.CreateObservableGauge("exchangespool.memory.limit", () => memoryLimit, unit: "By",
            description: "The memory budget (exchange.spool.memory-limit).");
        Meter.CreateObservableGauge("exchangespool.sinks.active", activeSinks, unit: "{stream}",
            description: "Sink attempts being written now.");
        Meter.CreateObservableGauge("exchangespool.sources.active", activeSources, unit: "{stream}",
            description: "Source reads streaming now.");
    }

    public void Dispose() => Meter.Dispose();
}
