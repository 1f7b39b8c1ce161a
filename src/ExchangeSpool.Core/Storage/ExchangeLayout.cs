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

    public int BaseDirectoryCount { get; } = baseDirectoryCount;

    public static string ExchangeDirectory(ExchangeKey exchange)
    {
        var prefix = Crc32C.Compute(Encoding.UTF8.GetBytes(exchange.ToString())) & 0xFFFFFF;
        return $"{prefix:x6}.{exchange.QueryId}.{exchange.ExchangeId}";
    }

    public int BaseIndexOf(ExchangeKey exchange, int sinkId)
    {
        Span<byte> buffer = stackalloc byte[4];
        BitConverter.TryWriteBytes(buffer, sinkId);
        var hash = Crc32C.Compute(Encoding.UTF8.GetBytes(exchange.ToString())) ^ Crc32C.Compute(buffer);
        return (int)(hash % (uint)BaseDirectoryCount);
    }

    /// <summary>The exchange's directory in every base directory, for deletion.</summary>
    public IEnumerable<StoragePath> ExchangeRoots(ExchangeKey exchange)
    {
        var directory = ExchangeDirectory(exchange);
        for (var i = 0; i < BaseDirectoryCount; i++)
            yield return new StoragePath(i, directory);
    }

    public StoragePath AttemptDirectory(ExchangeKey exchange, int sinkId, int attemptId) =>
        new(BaseIndexOf(exchange, sinkId), $"{ExchangeDirectory(exchange)}/{sinkId}/{attemptId}");

    public StoragePath Manifest(ExchangeKey exchange, int sinkId, int attemptId) =>
        Child(AttemptDirectory(exchange, sinkId, attemptId), ManifestName);

    public StoragePath DataFile(ExchangeKey exchange, int sinkId, int attemptId, int partitionId, int fileIndex) =>
        Child(AttemptDirectory(exchange, sinkId, attemptId), $"{partitionId}_{fileIndex}.data");

    private static StoragePath Child(StoragePath directory, string name) =>
        directory with { RelativePath = $"{directory.RelativePath}/{name}" };
}
