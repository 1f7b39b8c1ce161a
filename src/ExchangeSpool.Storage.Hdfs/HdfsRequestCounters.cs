using System.Diagnostics.Metrics;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.Hdfs;

/// <summary>
/// Counts every WebHDFS request by operation (CREATE, APPEND, OPEN, ...; the two steps of a
/// redirected one count once) on the storage instruments every backend shares, with the operation
/// as the request type; and the namenode failovers. One meter per storage, so tests can tell
/// servers apart.
/// </summary>
public sealed class HdfsRequestCounters : IDisposable
{
    public const string MeterName = "ExchangeSpool.Storage.Hdfs";

    /// <summary>The WebHDFS operations the backend sends.</summary>
    private static readonly string[] Operations = ["CREATE", "APPEND", "OPEN", "GETFILESTATUS", "LISTSTATUS", "RENAME", "DELETE"];

    private readonly StorageRequestCounters _counters = new(MeterName, "hdfs", "HDFS (WebHDFS)", Operations);
    private long _failoverTotal;

    public HdfsRequestCounters() =>
        Meter.CreateObservableCounter("exchangespool.hdfs.failovers", () => Failovers, unit: "{failover}",
            description: "Switches to another namenode of an HA nameservice after a StandbyException or a connection failure.");

    public Meter Meter => _counters.Meter;

    /// <summary>Counts a request sent; it is in flight until the scope is disposed.</summary>
    public InFlightRequest Start(string operation) => _counters.Start(operation);

    public void Retry(string operation) => _counters.Retry(operation);

    public void Error(string operation) => _counters.Error(operation);

    public void Failover() => Interlocked.Increment(ref _failoverTotal);

    /// <summary>Requests sent so far of one operation, for tests.</summary>
    public long Total(string operation) => _counters.Total(operation);

    public long Retries => _counters.Retries;

    public long Failovers => Interlocked.Read(ref _failoverTotal);

    public void Dispose() => _counters.Dispose();
}
