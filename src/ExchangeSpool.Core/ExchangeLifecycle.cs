using System.Security.Cryptography;
using ExchangeSpool.Core.Cleanup;
using ExchangeSpool.Core.Sinks;

namespace ExchangeSpool.Core;

/// <summary>
/// Creating and closing exchanges. Creation touches no storage. Closing is final: it leaves a
/// tombstone that every server checks, aborts this server's attempts of the exchange, and then (in
/// the background) deletes what the exchange wrote.
/// </summary>
public sealed class ExchangeLifecycle(SpoolContext context, SinkRegistry sinks)
{
    public ExchangeSpec Create(ExchangeKey key, int partitionCount, bool preserveOrder) =>
        new ExchangeSpec(key, partitionCount, preserveOrder, RandomNumberGenerator.GetBytes(ExchangeSpec.SaltSize))
            .Validated(context.Options.MaxOutputPartitionCount);

    /// <summary>The exchange's root in every base directory, as a person would look for it.</summary>
    public IReadOnlyList<string> StorageLocations(ExchangeKey key) =>
        context.Storage.BaseDirectories
            .Select(directory => $"{directory.TrimEnd('/')}/{Storage.ExchangeLayout.ExchangeDirectory(key)}")
            .ToArray();

    /// <summary>
    /// Persists the exchange's tombstone, then aborts this server's attempts of it: from here no
    /// attempt opens, commits or is planned on any server, and the aborted streams fail with
    /// ExchangeClosed (their owners delete what they wrote). Follow with <see cref="DeleteAsync"/>.
    /// </summary>
    public async Task CloseAsync(ExchangeKey key, CancellationToken cancellationToken)
    {
        key.Validated();
        await context.Tombstones.MarkClosedAsync(key, cancellationToken).ConfigureAwait(false);
        sinks.AbortAll(key, ExchangeTombstones.Closed(key, "its sink attempt was aborted and what it wrote deleted"));
    }

    /// <summary>
    /// Deletes everything the exchange wrote, in every base directory, once this server's attempts
    /// of it have ended (a file they still create would otherwise survive the deletion).
    /// </summary>
    public async Task DeleteAsync(ExchangeKey key, CancellationToken cancellationToken)
    {
        key.Validated();
        await sinks.WhenAllEndedAsync(key).WaitAsync(cancellationToken).ConfigureAwait(false);
        await context.DeleteExchangeAsync(key, cancellationToken).ConfigureAwait(false);
    }
}
