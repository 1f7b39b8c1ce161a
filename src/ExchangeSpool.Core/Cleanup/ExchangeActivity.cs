using System.Globalization;
using System.Text;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Core.Cleanup;

/// <summary>
/// When each exchange was last used, as every server sharing the storage sees it, for the orphan
/// sweeper. Using an exchange (opening a sink attempt, planning, reading a source) records the time
/// as a small file <c>&lt;base&gt;/exchange-activity/&lt;exchange directory&gt;/&lt;time&gt;</c> (object stores
/// have no touch, and the name carries the time so that no backend's clock matters); at most once per
/// <see cref="RefreshInterval"/> per exchange and server, and again every interval while the exchange
/// stays in use here (<see cref="RefreshAsync"/>), never per page. Each server deletes the record it
/// wrote before once it has written a newer one. A record holds the exchange's key salt (not a
/// secret: the master key is), so that an operator's tool can verify an encrypted exchange.
/// <para>
/// A record is written before the exchange's tombstone is checked, and the sweeper writes the
/// tombstone before it reads the records a last time: whichever comes second sees the other, so an
/// exchange is never deleted under a user that found it open (docs/operations.md, "Orphan sweeper").
/// </para>
/// </summary>
public sealed class ExchangeActivity
{
    private const string TimeFormat = "yyyyMMdd'T'HHmmss.fffffff'Z'";

    private readonly IExchangeStorage _storage;
    private readonly ExchangeLayout _layout;
    private readonly ExchangeTombstones _tombstones;
    private readonly TimeProvider _clock;
    private const int MaxRecordSize = 256;
    private const string SaltPrefix = "salt ";

    private readonly Dictionary<ExchangeKey, (int Count, ExchangeSpec Exchange)> _users = [];
    private readonly Dictionary<ExchangeKey, Recorded> _recorded = [];

    public ExchangeActivity(IExchangeStorage storage, ExchangeLayout layout, ExchangeTombstones tombstones, TimeProvider clock, TimeSpan refreshInterval)
    {
        _storage = storage;
        _layout = layout;
        _tombstones = tombstones;
        _clock = clock;
        RefreshInterval = refreshInterval;
    }

    /// <summary>How old this server's record of an exchange in use may get before it writes a newer one.</summary>
    public TimeSpan RefreshInterval { get; }

    public TimeProvider Clock => _clock;

    /// <summary>Whether a sink, planner or source of this server uses the exchange now.</summary>
    public bool IsInUse(ExchangeKey exchange)
    {
        lock (_users)
            return _users.ContainsKey(exchange);
    }

    /// <summary>Marks the exchange in use on this server (the sweeper of this server skips it) until the result is disposed.</summary>
    public IDisposable Enter(ExchangeSpec exchange)
    {
        lock (_users)
            _users[exchange.Key] = (_users.GetValueOrDefault(exchange.Key).Count + 1, exchange);
        return new Use(this, exchange.Key);
    }

    /// <summary>Enters the exchange (<see cref="Enter"/>) and records its activity (<see cref="RecordAsync"/>).</summary>
    public async Task<IDisposable> EnterAndRecordAsync(ExchangeSpec exchange, string consequence, CancellationToken cancellationToken)
    {
        var use = Enter(exchange);
        try
        {
            await RecordAsync(exchange, consequence, cancellationToken).ConfigureAwait(false);
            return use;
        }
        catch
        {
            use.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Records again every exchange in use here whose record is due, so that another server's sweeper
    /// sees it used however long its sinks and sources run; forgets records of exchanges no longer used.
    /// Returns the exchanges found closed meanwhile.
    /// </summary>
    public async Task<IReadOnlyList<ExchangeKey>> RefreshAsync(CancellationToken cancellationToken)
    {
        ExchangeSpec[] inUse;
        lock (_users)
            inUse = [.. _users.Values.Select(use => use.Exchange)];
        var now = _clock.GetUtcNow();
        lock (_recorded)
        {
            foreach (var (exchange, recorded) in _recorded.ToList())
            {
                if (!inUse.Any(use => use.Key == exchange) && now - recorded.At >= RefreshInterval)
                    _recorded.Remove(exchange);
            }
        }
        var closed = new List<ExchangeKey>();
        foreach (var exchange in inUse)
        {
            try
            {
                await RecordAsync(exchange, "it was closed while in use", cancellationToken).ConfigureAwait(false);
            }
            catch (SpoolException e) when (e.Reason == SpoolErrorReason.ExchangeClosed)
            {
                closed.Add(exchange.Key);
            }
        }
        return closed;
    }

    /// <summary>The newest activity any server recorded for the exchange, or null when it has no record.</summary>
    public async Task<DateTimeOffset?> LastActivityAsync(ExchangeKey exchange, CancellationToken cancellationToken)
    {
        DateTimeOffset? newest = null;
        await foreach (var entry in _storage.ListAsync(_layout.ActivityRecord(exchange), cancellationToken).ConfigureAwait(false))
        {
            if (!entry.IsDirectory && TryParseTime(entry.Name, out var at) && (newest is null || at > newest))
                newest = at;
        }
        return newest;
    }

    /// <summary>The exchange's key salt as its newest activity record holds it, or null when it has no record.</summary>
    public async Task<byte[]?> ReadSaltAsync(ExchangeKey exchange, CancellationToken cancellationToken)
    {
        var directory = _layout.ActivityRecord(exchange);
        string? newest = null;
        await foreach (var entry in _storage.ListAsync(directory, cancellationToken).ConfigureAwait(false))
        {
            if (!entry.IsDirectory && TryParseTime(entry.Name, out _) && (newest is null || string.CompareOrdinal(entry.Name, newest) > 0))
                newest = entry.Name;
        }
        if (newest is null || await _storage.ReadSmallFileAsync(ExchangeLayout.EntryOf(directory, newest), MaxRecordSize, cancellationToken).ConfigureAwait(false) is not { } content)
            return null;
        var salt = Encoding.UTF8.GetString(content).Split('\n').FirstOrDefault(line => line.StartsWith(SaltPrefix, StringComparison.Ordinal));
        return salt is null ? null : Convert.FromBase64String(salt[SaltPrefix.Length..]);
    }

    /// <summary>Every exchange with an activity record, in every base directory: every exchange that has written anything and was not deleted.</summary>
    public async IAsyncEnumerable<ExchangeKey> ListRecordedAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var directory in _layout.ActivityDirectories())
        {
            await foreach (var entry in _storage.ListAsync(directory, cancellationToken).ConfigureAwait(false))
            {
                if (entry.IsDirectory && ExchangeLayout.TryParseExchangeDirectory(entry.Name, out var exchange))
                    yield return exchange;
            }
        }
    }

    /// <summary>
    /// Records the activity of an exchange this server has entered, when this server's record is older
    /// than <see cref="RefreshInterval"/>; having recorded, throws ExchangeClosed, saying
    /// <paramref name="consequence"/>, when the exchange is closed.
    /// </summary>
    public async Task RecordAsync(ExchangeSpec spec, string consequence, CancellationToken cancellationToken)
    {
        var exchange = spec.Key;
        var now = _clock.GetUtcNow();
        Recorded? previous;
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_recorded)
        {
            if (_recorded.TryGetValue(exchange, out previous) && now - previous.At < RefreshInterval)
                written = null;
            else
                _recorded[exchange] = new Recorded(now, null, written.Task);
        }
        if (written is null)
        {
            // Another user of the exchange is writing this record: go on only once it is written and the exchange found open.
            await previous!.Written.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        var name = now.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);
        var record = ExchangeLayout.EntryOf(_layout.ActivityRecord(exchange), name);
        try
        {
            await _storage.WriteAtomicAsync(record, Encoding.UTF8.GetBytes($"{now:O}\n{SaltPrefix}{Convert.ToBase64String(spec.Salt.Span)}\n"), cancellationToken).ConfigureAwait(false);
            if (await _tombstones.IsClosedAsync(exchange, cancellationToken).ConfigureAwait(false))
            {
                // A closed exchange does not come back as an exchange with a record.
                await _storage.DeleteFileAsync(record, CancellationToken.None).ConfigureAwait(false);
                throw ExchangeTombstones.Closed(exchange, consequence);
            }
        }
        catch (Exception e)
        {
            // The close's deletion removes the directory the record goes to: a write it broke says closed.
            var failure = e is not SpoolException { Reason: SpoolErrorReason.ExchangeClosed } && await _tombstones.ExplainsAsync(exchange, e).ConfigureAwait(false)
                ? ExchangeTombstones.Closed(exchange, consequence, e)
                : e;
            lock (_recorded)
                _recorded.Remove(exchange);
            written.SetException(failure);
            if (failure == e)
                throw;
            throw failure;
        }
        lock (_recorded)
            _recorded[exchange] = new Recorded(now, record, written.Task);
        written.SetResult();
        if (previous?.Record is { } older)
            await _storage.DeleteFileAsync(older, cancellationToken).ConfigureAwait(false);
    }

    private static bool TryParseTime(string name, out DateTimeOffset at)
    {
        var parsed = DateTime.TryParseExact(name, TimeFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time);
        at = parsed ? new DateTimeOffset(time, TimeSpan.Zero) : default;
        return parsed;
    }

    private void Leave(ExchangeKey exchange)
    {
        lock (_users)
        {
            var (count, spec) = _users[exchange];
            if (count == 1)
                _users.Remove(exchange);
            else
                _users[exchange] = (count - 1, spec);
        }
    }

    /// <summary>A record this server wrote (or is writing: <see cref="Written"/> completes once it is, and the exchange found open).</summary>
    private sealed record Recorded(DateTimeOffset At, StoragePath? Record, Task Written);

    private sealed class Use(ExchangeActivity activity, ExchangeKey exchange) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                activity.Leave(exchange);
        }
    }
}
