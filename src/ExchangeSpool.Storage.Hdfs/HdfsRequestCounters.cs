using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ExchangeSpool.Storage.Hdfs;

/// <summary>
/// Counts every WebHDFS request by operation (CREATE, APPEND, OPEN, ...; the two steps of a
/// redirected one count once), retries included, and the retries and namenode failovers among them.
/// One meter per storage, so tests can tell servers apart.
/// </summary>
public sealed class HdfsRequestCounters : IDisposable
{
    public const string MeterName = "ExchangeSpool.Storage.Hdfs";

    private readonly Counter<long> _requests;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _failovers;
    private readonly ConcurrentDictionary<string, long> _totals = new(StringComparer.Ordinal);
    private long _retryTotal;
    private long _failoverTotal;

    public HdfsRequestCounters()
    {
        Meter = new Meter(MeterName);
        _requests = Meter.CreateCounter<long>("exchangespool.hdfs.requests", unit: "{request}",
            description: "WebHDFS requests by operation, retries included.");
        _retries = Meter.CreateCounter<long>("exchangespool.hdfs.retries", unit: "{request}",
            description: "WebHDFS requests sent again after a server error, a lost connection or a standby namenode.");
        _failovers = Meter.CreateCounter<long>("exchangespool.hdfs.failovers", unit: "{failover}",
            description: "Switches to another namenode of an HA nameservice after a StandbyException or a connection failure.");
    }

    public Meter Meter { get; }

    public void Request(string operation)
    {
        _totals.AddOrUpdate(operation, 1, static (_, total) => total + 1);
        _requests.Add(1, new KeyValuePair<string, object?>("op", operation));
    }

    public void Retry(string operation)
    {
        Interlocked.Increment(ref _retryTotal);
        _retries.Add(1, new KeyValuePair<string, object?>("op", operation));
    }

    public void Failover()
    {
        Interlocked.Increment(ref _failoverTotal);
        _failovers.Add(1);
    }

    /// <summary>Requests sent so far of one operation, for tests.</summary>
    public long Total(string operation) => _totals.GetValueOrDefault(operation);

    public long Retries => Interlocked.Read(ref _retryTotal);

    public long Failovers => Interlocked.Read(ref _failoverTotal);

    public void Dispose() => Meter.Dispose();
}
