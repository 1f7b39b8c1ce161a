using System.Security.Cryptography;

namespace ExchangeSpool.Core;

/// <summary>Creating and closing exchanges. Creation touches no storage; closing deletes the exchange everywhere.</summary>
public sealed class ExchangeLifecycle(SpoolContext context)
{
    public ExchangeSpec Create(ExchangeKey key, int partitionCount, bool preserveOrder) =>
        new ExchangeSpec(key, partitionCount, preserveOrder, RandomNumberGenerator.GetBytes(ExchangeSpec.SaltSize))
            .Validated(context.Options.MaxOutputPartitionCount);

    /// <summary>The exchange's root in every base directory, as a person would look for it.</summary>
    public IReadOnlyList<string> StorageLocations(ExchangeKey key) =>
        context.Storage.BaseDirectories
            .Select(directory => $"{directory.TrimEnd('/')}/{Storage.ExchangeLayout.ExchangeDirectory(key)}")
            .ToArray();

    /// <summary>Deletes everything the exchange wrote, in every base directory.</summary>
    public async Task CloseAsync(ExchangeKey key, CancellationToken cancellationToken)
    {
        key.Validated();
        await Parallel.ForEachAsync(context.Layout.ExchangeRoots(key), cancellationToken,
            async (root, token) => await context.Storage.DeleteDirectoryAsync(root, token).ConfigureAwait(false)).ConfigureAwait(false);
    }
}
