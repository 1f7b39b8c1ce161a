using System.Globalization;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Format;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Server.Cli;

/// <summary>One attempt directory of an exchange: its commit manifest when it committed, and the bytes its files hold.</summary>
internal sealed record AttemptDirectory(int SinkId, int AttemptId, CommitManifest? Manifest, long Bytes);

/// <summary>What the operator CLI shows of one exchange.</summary>
internal sealed record ExchangeSummary(ExchangeKey Key, DateTimeOffset? LastActivity, bool Closed, IReadOnlyList<AttemptDirectory> Attempts)
{
    public long Bytes => Attempts.Sum(attempt => attempt.Bytes);

    /// <summary>Sinks with at least one committed attempt.</summary>
    public int CommittedSinks => Attempts.Where(attempt => attempt.Manifest is not null).Select(attempt => attempt.SinkId).Distinct().Count();
}

/// <summary>
/// Reads what the storage holds of exchanges, for the operator CLI: which exchanges exist (those with an
/// activity record), their sink attempts, committed or not, and their sizes (from commit manifests; an
/// uncommitted attempt's files are opened for their length). Listings, never on a server's data path.
/// </summary>
internal sealed class ExchangeInventory(SpoolContext context)
{
    public async Task<IReadOnlyList<ExchangeKey>> ExchangesAsync(CancellationToken cancellationToken) =>
        (await context.Activity.ListRecordedAsync(cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false))
            .Distinct()
            .OrderBy(exchange => exchange.ToString(), StringComparer.Ordinal)
            .ToList();

    public async Task<ExchangeSummary> DescribeAsync(ExchangeKey exchange, CancellationToken cancellationToken) =>
        new(exchange,
            await context.Activity.LastActivityAsync(exchange, cancellationToken).ConfigureAwait(false),
            await context.Tombstones.IsClosedAsync(exchange, cancellationToken).ConfigureAwait(false),
            await AttemptsAsync(exchange, cancellationToken).ConfigureAwait(false));

    /// <summary>Every attempt directory of the exchange, in every base directory, by sink and attempt.</summary>
    public async Task<IReadOnlyList<AttemptDirectory>> AttemptsAsync(ExchangeKey exchange, CancellationToken cancellationToken)
    {
        var attempts = new List<AttemptDirectory>();
        foreach (var root in context.Layout.ExchangeRoots(exchange))
        {
            await foreach (var sink in context.Storage.ListAsync(root, cancellationToken).ConfigureAwait(false))
            {
                if (!sink.IsDirectory || !TryParseId(sink.Name, out var sinkId))
                    continue;
                await foreach (var attempt in context.Storage.ListAsync(ExchangeLayout.EntryOf(root, sink.Name), cancellationToken).ConfigureAwait(false))
                {
                    if (attempt.IsDirectory && TryParseId(attempt.Name, out var attemptId))
                        attempts.Add(await DescribeAttemptAsync(exchange, sinkId, attemptId, cancellationToken).ConfigureAwait(false));
                }
            }
        }
        return attempts.OrderBy(attempt => attempt.SinkId).ThenBy(attempt => attempt.AttemptId).ToList();
    }

    private async Task<AttemptDirectory> DescribeAttemptAsync(ExchangeKey exchange, int sinkId, int attemptId, CancellationToken cancellationToken)
    {
        var manifest = await context.TryLoadManifestAsync(new SinkAttemptId(exchange, sinkId, attemptId), cancellationToken).ConfigureAwait(false);
        if (manifest is not null)
            return new AttemptDirectory(sinkId, attemptId, manifest, manifest.Files.Sum(file => file.StoredSize));
        long bytes = 0;
        var directory = context.Layout.AttemptDirectory(exchange, sinkId, attemptId);
        await foreach (var file in context.Storage.ListAsync(directory, cancellationToken).ConfigureAwait(false))
        {
            if (file.IsDirectory)
                continue;
            try
            {
                await using var reader = await context.Storage.OpenFileAsync(ExchangeLayout.EntryOf(directory, file.Name), cancellationToken).ConfigureAwait(false);
                bytes += reader.Length;
            }
            catch (SpoolException e) when (e.Code == SpoolErrorCode.DataLoss)
            {
                // Deleted since the listing (its attempt aborted): nothing to count.
            }
        }
        return new AttemptDirectory(sinkId, attemptId, null, bytes);
    }

    private static bool TryParseId(string name, out int id) =>
        int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out id);
}
