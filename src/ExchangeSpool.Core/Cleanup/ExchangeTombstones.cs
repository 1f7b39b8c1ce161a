using System.Collections.Concurrent;
using System.Text;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Core.Cleanup;

/// <summary>
/// Closed exchanges as every server sharing the storage sees them. Closing writes a small tombstone
/// (<c>&lt;base&gt;/closed-exchanges/&lt;exchange directory&gt;</c>) that outlives the deletion of the
/// exchange and a restart; opening an attempt, committing one and planning check it, so nothing is
/// written to or read from a closed exchange. Exchanges known to be closed are remembered (a bounded
/// number), so a late attempt costs no read; any other check is one small read, since another server
/// may close the exchange at any moment. Tombstones older than the retention are swept: at the first
/// close after start, then at most every <see cref="MaxSweepInterval"/>, a bounded number each time.
/// </summary>
public sealed class ExchangeTombstones
{
    private static readonly TimeSpan MaxSweepInterval = TimeSpan.FromHours(1);

    /// <summary>Tombstones deleted per base directory by one sweep; the next sweep takes the rest.</summary>
    private const int MaxSweptPerBaseDirectory = 1000;

    private const int MaxTombstoneSize = 256;
    private const int RememberedExchanges = 4096;
    private const string SweepKey = "sweep of closed-exchange tombstones";

    private readonly IExchangeStorage _storage;
    private readonly ExchangeLayout _layout;
    private readonly BackgroundCleanups _cleanups;
    private readonly TimeSpan _retention;
    private readonly ConcurrentDictionary<ExchangeKey, DateTimeOffset> _knownClosed = new();
    private long _nextSweepTicks;

    public ExchangeTombstones(IExchangeStorage storage, ExchangeLayout layout, TimeSpan retention, BackgroundCleanups cleanups)
    {
        _storage = storage;
        _layout = layout;
        _cleanups = cleanups;
        _retention = retention;
    }

    /// <summary>The failure of anything asked of a closed exchange.</summary>
    public static SpoolException Closed(ExchangeKey exchange, string consequence, Exception? cause = null) =>
        new(SpoolErrorReason.ExchangeClosed, $"exchange {exchange} was closed: {consequence}", cause);

    /// <summary>Persists the tombstone (closing twice keeps the first); from then on every server refuses the exchange.</summary>
    public async Task MarkClosedAsync(ExchangeKey exchange, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        await _storage.WriteAtomicAsync(_layout.Tombstone(exchange), Encoding.UTF8.GetBytes($"closed {now:O}\n"), cancellationToken).ConfigureAwait(false);
        Remember(exchange, now);
        ScheduleSweepIfDue(now);
    }

    public async ValueTask<bool> IsClosedAsync(ExchangeKey exchange, CancellationToken cancellationToken)
    {
        if (_knownClosed.ContainsKey(exchange))
            return true;
        if (await _storage.ReadSmallFileAsync(_layout.Tombstone(exchange), MaxTombstoneSize, cancellationToken).ConfigureAwait(false) is null)
            return false;
        Remember(exchange, DateTimeOffset.UtcNow);
        return true;
    }

    /// <summary>
    /// Whether a failure of <paramref name="failure"/>'s kind came from the exchange being closed: a
    /// close (on any server) deletes the exchange's directories, which can break a write under way
    /// before a tombstone check would have seen the close. False when the check itself fails.
    /// </summary>
    public async Task<bool> ExplainsAsync(ExchangeKey exchange, Exception failure)
    {
        if (failure is SpoolException { Reason: SpoolErrorReason.ExchangeClosed })
            return true;
        if (failure is OperationCanceledException)
            return false;
        try
        {
            return await IsClosedAsync(exchange, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SpoolException)
        {
            return false;
        }
    }

    /// <summary>Throws <see cref="SpoolErrorReason.ExchangeClosed"/>, saying <paramref name="consequence"/>, when the exchange is closed.</summary>
    public async ValueTask ThrowIfClosedAsync(ExchangeKey exchange, string consequence, CancellationToken cancellationToken)
    {
        if (await IsClosedAsync(exchange, cancellationToken).ConfigureAwait(false))
            throw Closed(exchange, consequence);
    }

    /// <summary>Deletes the tombstones last written before the retention (at most <see cref="MaxSweptPerBaseDirectory"/> per base directory); returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var cutoff = DateTimeOffset.UtcNow - _retention;
        foreach (var (exchange, closedAt) in _knownClosed)
        {
            if (closedAt < cutoff)
                _knownClosed.TryRemove(exchange, out _);
        }
        var swept = 0;
        foreach (var directory in _layout.TombstoneDirectories())
        {
            var sweptHere = 0;
            await foreach (var entry in _storage.ListAsync(directory, cancellationToken).ConfigureAwait(false))
            {
                if (entry.IsDirectory || entry.LastModified >= cutoff)
                    continue;
                await _storage.DeleteFileAsync(ExchangeLayout.EntryOf(directory, entry.Name), cancellationToken).ConfigureAwait(false);
                if (++sweptHere == MaxSweptPerBaseDirectory)
                    break;
            }
            swept += sweptHere;
        }
        return swept;
    }

    private void ScheduleSweepIfDue(DateTimeOffset now)
    {
        var due = Interlocked.Read(ref _nextSweepTicks);
        var interval = _retention < 2 * MaxSweepInterval ? _retention / 2 : MaxSweepInterval;
        if (now.UtcTicks >= due && Interlocked.CompareExchange(ref _nextSweepTicks, (now + interval).UtcTicks, due) == due)
            _cleanups.Schedule(SweepKey, SweepAsync);
    }

    /// <summary>Keeps the set bounded: past its size, the half closed longest ago is forgotten (a check then reads the tombstone again).</summary>
    private void Remember(ExchangeKey exchange, DateTimeOffset closedAt)
    {
        _knownClosed[exchange] = closedAt;
        if (_knownClosed.Count <= RememberedExchanges)
            return;
        foreach (var (oldest, _) in _knownClosed.OrderBy(entry => entry.Value).Take(RememberedExchanges / 2).ToList())
            _knownClosed.TryRemove(oldest, out _);
    }
}
