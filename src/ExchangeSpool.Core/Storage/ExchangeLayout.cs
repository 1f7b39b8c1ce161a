using System.Text;
using ExchangeSpool.Core.Format;

namespace ExchangeSpool.Core.Storage;

/// <summary>
/// Where an exchange's files live:
/// <c>&lt;base&gt;/&lt;prefix&gt;.&lt;query&gt;.&lt;exchange&gt;/&lt;sink&gt;/&lt;attempt&gt;/&lt;partition&gt;_&lt;n&gt;.data</c> and
/// <c>.../&lt;attempt&gt;/commit</c>. The base directory of a sink is a stable hash of (exchange, sink), so
/// every node computes the same path without asking anyone; the hex prefix spreads object keys.
/// </summary>
public sealed class ExchangeLayout(int baseDirectoryCount)
{
    public const string ManifestName = "commit";

    /// <summary>
    /// Where closed exchanges leave their tombstones, next to the exchange directories of a base
    /// directory; it has no dot, so no exchange directory can have its name.
    /// </summary>
    public const string TombstoneDirectoryName = "closed-exchanges";

    /// <summary>
    /// How the start's write probes are named (then a random suffix), directly in a base directory;
    /// without a dot, so no exchange directory can have such a name.
    /// </summary>
    public const string WriteProbePrefix = "write-probe-";

    /// <summary>
    /// Where each exchange's last activity is recorded (see <see cref="Cleanup.ExchangeActivity"/>), next to
    /// the exchange directories of a base directory; no dot, so no exchange directory can have its name.
    /// </summary>
    public const string ActivityDirectoryName = "exchange-activity";

    public int BaseDirectoryCount { get; } = baseDirectoryCount;

    /// <summary>A fresh probe file in base directory <paramref name="baseIndex"/>; unique, so servers starting together on one storage never meet.</summary>
    public static StoragePath WriteProbe(int baseIndex) => new(baseIndex, $"{WriteProbePrefix}{Guid.NewGuid():N}");

    public static string ExchangeDirectory(ExchangeKey exchange) =>
        $"{HashOf(exchange) & 0xFFFFFF:x6}.{exchange.QueryId}.{exchange.ExchangeId}";

    public int BaseIndexOf(ExchangeKey exchange, int sinkId)
    {
        Span<byte> buffer = stackalloc byte[4];
        BitConverter.TryWriteBytes(buffer, sinkId);
        var hash = HashOf(exchange) ^ Crc32C.Compute(buffer);
        return (int)(hash % (uint)BaseDirectoryCount);
    }

    /// <summary>The tombstone of a closed exchange, in the base directory its name hashes to.</summary>
    public StoragePath Tombstone(ExchangeKey exchange) =>
        new(HomeIndexOf(exchange), $"{TombstoneDirectoryName}/{ExchangeDirectory(exchange)}");

    /// <summary>The directory of an exchange's activity records, in the base directory its name hashes to (its tombstone's).</summary>
    public StoragePath ActivityRecord(ExchangeKey exchange) =>
        new(HomeIndexOf(exchange), $"{ActivityDirectoryName}/{ExchangeDirectory(exchange)}");

    /// <summary>The activity directory of every base directory: together they name every exchange that has written anything.</summary>
    public IEnumerable<StoragePath> ActivityDirectories() =>
        Enumerable.Range(0, BaseDirectoryCount).Select(i => new StoragePath(i, ActivityDirectoryName));

    /// <summary>
    /// The exchange an exchange directory's name stands for, or false when <paramref name="name"/> is no
    /// such name (its prefix must be the hash of its ids, so a stray entry is never taken for an exchange).
    /// </summary>
    public static bool TryParseExchangeDirectory(string name, out ExchangeKey exchange)
    {
        exchange = default;
        var parts = name.Split('.');
        if (parts.Length != 3)
            return false;
        var candidate = new ExchangeKey(parts[1], parts[2]);
        try
        {
            candidate.Validated();
        }
        catch (SpoolException)
        {
            return false;
        }
        if (ExchangeDirectory(candidate) != name)
            return false;
        exchange = candidate;
        return true;
    }

    /// <summary>The tombstone directory of every base directory, for sweeping.</summary>
    public IEnumerable<StoragePath> TombstoneDirectories() =>
        Enumerable.Range(0, BaseDirectoryCount).Select(i => new StoragePath(i, TombstoneDirectoryName));

    /// <summary>An entry found by listing <paramref name="directory"/>.</summary>
    public static StoragePath EntryOf(StoragePath directory, string name) => Child(directory, name);

    /// <summary>The directory holding every attempt of a sink.</summary>
    public StoragePath SinkDirectory(ExchangeKey exchange, int sinkId) =>
        new(BaseIndexOf(exchange, sinkId), $"{ExchangeDirectory(exchange)}/{sinkId}");

    /// <summary>The exchange's directory in every base directory, for deletion.</summary>
    public IEnumerable<StoragePath> ExchangeRoots(ExchangeKey exchange)
    {
        var directory = ExchangeDirectory(exchange);
        for (var i = 0; i < BaseDirectoryCount; i++)
            yield return new StoragePath(i, directory);
    }

    public StoragePath AttemptDirectory(ExchangeKey exchange, int sinkId, int attemptId) =>
        Child(SinkDirectory(exchange, sinkId), attemptId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public StoragePath Manifest(ExchangeKey exchange, int sinkId, int attemptId) =>
        Child(AttemptDirectory(exchange, sinkId, attemptId), ManifestName);

    public StoragePath DataFile(ExchangeKey exchange, int sinkId, int attemptId, int partitionId, int fileIndex) =>
        Child(AttemptDirectory(exchange, sinkId, attemptId), $"{partitionId}_{fileIndex}.data");

    private static StoragePath Child(StoragePath directory, string name) =>
        directory with { RelativePath = $"{directory.RelativePath}/{name}" };

    private int HomeIndexOf(ExchangeKey exchange) => (int)(HashOf(exchange) % (uint)BaseDirectoryCount);

    private static uint HashOf(ExchangeKey exchange) => Crc32C.Compute(Encoding.UTF8.GetBytes(exchange.ToString()));
}
