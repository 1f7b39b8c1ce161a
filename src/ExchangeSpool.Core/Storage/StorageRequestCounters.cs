using System.Collections.Concurrent;
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
/// Counts every request a storage backend sends, retries included, by type, because users pay per
/// request; the retries among them; the operations that failed once retries were spent; and the
/// requests under way, which say how much of a store's concurrency the spool uses. Every
/// backend reports on the same instruments (<c>exchangespool.storage.*</c>) with its name in the
/// <c>backend</c> tag, so one query covers whichever backend a server runs. The instruments observe
/// the totals when collected, so every type is exported from the start, at 0. One meter per
/// storage, so tests can tell servers apart.
/// </summary>
public sealed class StorageRequestCounters : IDisposable
{
    public const string RequestsName = "exchangespool.storage.requests";
    public const string RetriesName = "exchangespool.storage.retries";
    public const string ErrorsName = "exchangespool.storage.errors";
    public const string InFlightName = "exchangespool.storage.requests.in_flight";

    private readonly ConcurrentDictionary<string, Totals> _totals = new(StringComparer.Ordinal);
    private readonly KeyValuePair<string, object?> _backend;

    /// <param name="meterName">The backend's meter, e.g. <c>ExchangeSpool.Storage.Azure</c>.</param>
    /// <param name="backend">The <c>backend</c> tag, e.g. <c>azure</c>.</param>
    /// <param name="store">The store's name in the instruments' descriptions.</param>
    /// <param name="types">The request types the backend sends.</param>
    public StorageRequestCounters(string meterName, string backend, string store, IEnumerable<string> types)
    {
        foreach (var type in types)
            _totals[type] = new Totals();
        _backend = new KeyValuePair<string, object?>("backend", backend);
        Meter = new Meter(meterName);
        Meter.CreateObservableCounter(RequestsName, () => Observe(static totals => Interlocked.Read(ref totals.Requests)), unit: "{request}",
            description: $"Requests sent to storage by backend and type, retries included ({store}).");
        Meter.CreateObservableCounter(RetriesName, () => Observe(static totals => Interlocked.Read(ref totals.Retries)), unit: "{request}",
            description: "Requests sent again after a throttling answer, a server error or a lost connection.");
        Meter.CreateObservableCounter(ErrorsName, () => Observe(static totals => Interlocked.Read(ref totals.Errors)), unit: "{request}",
            description: "Storage operations that failed once their retries were spent (the error reaches a client or the log).");
        Meter.CreateObservableUpDownCounter(InFlightName, () => Observe(static totals => Interlocked.Read(ref totals.InFlight)), unit: "{request}",
            description: "Requests sent to storage whose answer has not arrived yet, by backend and type.");
    }

    /// <summary>For the object stores, whose requests are <see cref="StorageRequestType"/>s.</summary>
    public StorageRequestCounters(string meterName, string backend, string store)
        : this(meterName, backend, store, Enum.GetValues<StorageRequestType>().Select(Name))
    {
    }

    public Meter Meter { get; }

    public InFlightRequest Start(StorageRequestType type) => Start(Name(type));

    public void Retry(StorageRequestType type) => Retry(Name(type));

    public void Error(StorageRequestType type) => Error(Name(type));

    /// <summary>Counts a request sent; it counts as in flight until the returned scope is disposed.</summary>
    public InFlightRequest Start(string type)
    {
        var totals = Of(type);
        Interlocked.Increment(ref totals.Requests);
        Interlocked.Increment(ref totals.InFlight);
        return new InFlightRequest(totals);
    }

    public void Retry(string type) => Interlocked.Increment(ref Of(type).Retries);

    public void Error(string type) => Interlocked.Increment(ref Of(type).Errors);

    /// <summary>Requests sent so far of one type, for tests and the status line.</summary>
    public long Total(StorageRequestType type) => Total(Name(type));

    public long Total(string type) => _totals.TryGetValue(type, out var totals) ? Interlocked.Read(ref totals.Requests) : 0;

    public long Retries => _totals.Values.Sum(totals => Interlocked.Read(ref totals.Retries));

    public long Errors => _totals.Values.Sum(totals => Interlocked.Read(ref totals.Errors));

    /// <summary>Requests of one type under way now.</summary>
    public long InFlight(string type) => _totals.TryGetValue(type, out var totals) ? Interlocked.Read(ref totals.InFlight) : 0;

    public static string Name(StorageRequestType type) => type.ToString().ToUpperInvariant();

    public void Dispose() => Meter.Dispose();

    private Totals Of(string type) => _totals.GetOrAdd(type, static _ => new Totals());

    private IEnumerable<Measurement<long>> Observe(Func<Totals, long> value) =>
        _totals.Select(entry => new Measurement<long>(value(entry.Value), _backend, new KeyValuePair<string, object?>("type", entry.Key)));

    internal sealed class Totals
    {
        public long Requests;
        public long Retries;
        public long Errors;
        public long InFlight;
    }
}

/// <summary>A request under way (see <see cref="StorageRequestCounters.Start(string)"/>); disposing it, once, ends it.</summary>
public struct InFlightRequest : IDisposable
{
    private StorageRequestCounters.Totals? _totals;

    internal InFlightRequest(StorageRequestCounters.Totals totals) => _totals = totals;

    public void Dispose()
    {
        if (_totals is { } totals)
            Interlocked.Decrement(ref totals.InFlight);
        _totals = null;
    }
}
