using System.Diagnostics.Metrics;
using System.Reflection;

namespace ExchangeSpool.Server.Metrics;

/// <summary>
/// The server's instruments, on one meter per server (so tests can tell servers apart). Names and
/// units follow OpenTelemetry's conventions (dotted names, UCUM units such as <c>By</c>); a
/// Prometheus exporter derives <c>exchangespool_written_bytes_total</c> from
/// <c>exchangespool.written</c> in <c>By</c>. docs/metrics.md lists what a scrape shows.
/// </summary>
/// <remarks>
/// The counts are plain totals the instruments observe at collection time: a total is exported at 0
/// from the start (so "none so far" can be told from "not exported"), even though the exporter
/// starts listening after the server is built, and counting costs one interlocked add.
/// </remarks>
public sealed class SpoolMetrics : IDisposable
{
    public const string MeterName = "ExchangeSpool";

    private long _integrityFailures;
    private long _http2ConnectionErrors;
    private long _bytesWritten;
    private long _pagesWritten;
    private long _bytesRead;
    private long _pagesRead;
    private long _commits;
    private long _orphansDeleted;
    private long _orphansRevived;
    private long _orphansFailed;

    public SpoolMetrics()
    {
        Meter = new Meter(MeterName);
        Total("exchangespool.integrity_failures", () => IntegrityFailures, "{failure}",
            "Reads refused because spooled data failed verification (checksum, authentication, length, identity).");
        Total("exchangespool.http2.connection_errors", () => Interlocked.Read(ref _http2ConnectionErrors), "{connection}",
            "Client connections the server closed with an HTTP/2 connection error (GOAWAY), failing every call on them.");
        Total("exchangespool.written", () => Interlocked.Read(ref _bytesWritten), "By",
            "Bytes of page frames sink attempts received (page, partition and length), before compression and encryption.");
        Total("exchangespool.pages.written", () => Interlocked.Read(ref _pagesWritten), "{page}", "Pages sink attempts received.");
        Total("exchangespool.read", () => Interlocked.Read(ref _bytesRead), "By",
            "Bytes of page frames sent to sources (page and length), after decryption and decompression.");
        Total("exchangespool.pages.read", () => Interlocked.Read(ref _pagesRead), "{page}", "Pages sent to sources.");
        Total("exchangespool.commits", () => Interlocked.Read(ref _commits), "{commit}", "Sink attempts committed (their manifest written).");
        var version = typeof(SpoolMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        Meter.CreateObservableGauge("exchangespool.build.info", () => new Measurement<int>(1, new KeyValuePair<string, object?>("version", version)),
            description: "Always 1; the server's version in the version label.");
        Meter.CreateObservableCounter("exchangespool.orphans.swept", () => new[]
            {
                Outcome(ref _orphansDeleted, "deleted"),
                Outcome(ref _orphansRevived, "revived"),
                Outcome(ref _orphansFailed, "failed"),
            }, unit: "{exchange}",
            description: "Exchanges the orphan sweeper found idle past exchange.spool.orphan-ttl, by outcome: deleted, revived (used again while being swept: closed, kept), failed (tried again next sweep).");
    }

    public Meter Meter { get; }

    /// <summary>A count kept in a field and read when scraped, so it is exported from the start, at 0.</summary>
    private void Total(string name, Func<long> read, string unit, string description) =>
        Meter.CreateObservableCounter(name, read, unit, description);

    /// <summary>Integrity failures so far, for tests.</summary>
    public long IntegrityFailures => Interlocked.Read(ref _integrityFailures);

    public void IntegrityFailure() => Interlocked.Increment(ref _integrityFailures);

    public void Http2ConnectionError() => Interlocked.Increment(ref _http2ConnectionErrors);

    /// <summary>One batch of pages a sink attempt accepted.</summary>
    public void Written(long bytes, int pages)
    {
        Interlocked.Add(ref _bytesWritten, bytes);
        Interlocked.Add(ref _pagesWritten, pages);
    }

    /// <summary>One block of pages sent to a source.</summary>
    public void Read(long bytes, int pages)
    {
        Interlocked.Add(ref _bytesRead, bytes);
        Interlocked.Add(ref _pagesRead, pages);
    }

    public void Committed() => Interlocked.Increment(ref _commits);

    /// <summary>Exchanges the orphan sweeper deleted so far, for tests.</summary>
    public long OrphansDeleted => Interlocked.Read(ref _orphansDeleted);

    public void OrphansSwept(int deleted, int revived, int failed)
    {
        Interlocked.Add(ref _orphansDeleted, deleted);
        Interlocked.Add(ref _orphansRevived, revived);
        Interlocked.Add(ref _orphansFailed, failed);
    }

    private static Measurement<long> Outcome(ref long count, string outcome) =>
        new(Interlocked.Read(ref count), new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>Gauges read when scraped: what the memory budget holds and how many streams are open.</summary>
    public void ObserveServer(Func<long> memoryUsed, long memoryLimit, Func<int> memoryWaiters, Func<int> activeSinks, Func<int> activeSources)
    {
        Meter.CreateObservableGauge("exchangespool.memory.used", memoryUsed, unit: "By",
            description: "Bytes of the memory budget held by sink buffers and read-ahead (exchange.spool.memory-limit).");
        Meter.CreateObservableGauge("exchangespool.memory.limit", () => memoryLimit, unit: "By",
            description: "The memory budget (exchange.spool.memory-limit).");
        Meter.CreateObservableGauge("exchangespool.memory.waiters", memoryWaiters, unit: "{request}",
            description: "Requests for memory (sink buffers, read-ahead) queued because the budget is spent.");
        Meter.CreateObservableGauge("exchangespool.sinks.active", activeSinks, unit: "{stream}",
            description: "Sink attempts being written now, or aborted with the deletion of what they wrote still running.");
        Meter.CreateObservableGauge("exchangespool.sources.active", activeSources, unit: "{stream}",
            description: "Source reads streaming now.");
    }

    public void Dispose() => Meter.Dispose();
}
