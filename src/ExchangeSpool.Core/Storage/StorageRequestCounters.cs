using System.Diagnostics.Metrics;

namespace ExchangeSpool.Core.Storage;

/// <summary>The kinds of request an object store bills differently.</summary>
public enum StorageRequestType
{
    /// <summary>Uploads and commits.</summary>
    Put,
    /// <summary>Downloads and metadata reads.</summary>
    Get,
    /// <summary>Listings.</summary>
    List,
    /// <summary>Deletes.</summary>
    Delete,
}

/// <summary>
/// Counts every request an object-store backend sends, retries included, by type, because users pay
/// per request; and the retries among them. One meter per storage, so tests can tell servers apart.
/// </summary>
public sealed class StorageRequestCounters : IDisposable
{
    private readonly Counter<long> _requests;
    private readonly Counter<long> _retries;
    private readonly long[] _totals = new long[Enum.GetValues<StorageRequestType>().Length];
    private long _retryTotal;

    /// <param name="meterName">The backend's meter, e.g. <c>ExchangeSpool.Storage.Azure</c>.</param>
    /// <param name="instrumentPrefix">The instruments' prefix, e.g. <c>exchangespool.azure</c>.</param>
    /// <param name="store">The store's name in the instruments' descriptions.</param>
    public StorageRequestCounters(string meterName, string instrumentPrefix, string store)
    {
        Meter = new Meter(meterName);
        _requests = Meter.CreateCounter<long>($"{instrumentPrefix}.requests", unit: "{request}",
            description: $"Requests sent to {store} by type (PUT, GET, LIST, DELETE), retries included.");
        _retries = Meter.CreateCounter<long>($"{instrumentPrefix}.retries", unit: "{request}",
            description: "Requests sent again after a throttling answer, a server error or a lost connection.");
    }

    public Meter Meter { get; }

    public void Request(StorageRequestType type)
    {
        Interlocked.Increment(ref _totals[(int)type]);
        _requests.Add(1, new KeyValuePair<string, object?>("type", Name(type)));
    }

    public void Retry(StorageRequestType type)
    {
        Interlocked.Increment(ref _retryTotal);
        _retries.Add(1, new KeyValuePair<string, object?>("type", Name(type)));
    }

    /// <summary>Requests sent so far of one type, for tests and the status line.</summary>
    public long Total(StorageRequestType type) => Interlocked.Read(ref _totals[(int)type]);

    public long Retries => Interlocked.Read(ref _retryTotal);

    public static string Name(StorageRequestType type) => type.ToString().ToUpperInvariant();

    public void Dispose() => Meter.Dispose();
}
