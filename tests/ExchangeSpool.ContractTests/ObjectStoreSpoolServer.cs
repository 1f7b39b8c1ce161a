using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.ContractTests;

/// <summary>
/// A contract fixture on an object store, where directories are key prefixes: what a query left is
/// found by listing every object in the fixture's buckets or containers.
/// </summary>
public abstract class ObjectStoreSpoolServer : SpoolServerFixture
{
    /// <summary>Every object in the fixture's buckets or containers, each named with its bucket or container.</summary>
    protected abstract Task<IEnumerable<string>> ListObjectsAsync();

    public override async Task<IReadOnlyList<string>> ExchangeDirectoriesOfQueryAsync(string queryId) =>
        (await FilesOfQueryAsync(queryId))
            .Select(file => file[..file.IndexOf('/', file.IndexOf($".{queryId}.", StringComparison.Ordinal))])
            .Distinct()
            .ToList();

    /// <remarks>
    /// Tombstones of closed exchanges are meant to stay (until swept), and activity records as long as
    /// their exchange is not closed; neither holds exchange data.
    /// </remarks>
    public override async Task<IReadOnlyList<string>> FilesOfQueryAsync(string queryId) =>
        (await ListObjectsAsync())
            .Where(name => name.Contains($".{queryId}.", StringComparison.Ordinal)
                && !name.Contains($"{ExchangeLayout.TombstoneDirectoryName}/", StringComparison.Ordinal)
                && !name.Contains($"{ExchangeLayout.ActivityDirectoryName}/", StringComparison.Ordinal))
            .ToList();
}
