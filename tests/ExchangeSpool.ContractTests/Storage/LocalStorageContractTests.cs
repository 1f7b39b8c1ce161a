using ExchangeSpool.Core.Storage;
using ExchangeSpool.Storage.Local;

namespace ExchangeSpool.ContractTests.Storage;

/// <summary>The storage contract on local directories, named by <c>file:</c> URIs as an operator may write them.</summary>
public sealed class LocalStorageContractTests : StorageContractTests
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "spool-storage-" + Guid.NewGuid().ToString("N"));

    protected override IStorageBackend Backend { get; } = new LocalStorageBackend();

    protected override Task<IReadOnlyList<string>> CreateBaseDirectoriesAsync() =>
        Task.FromResult<IReadOnlyList<string>>([new Uri(Path.Combine(_root, "a")).AbsoluteUri, new Uri(Path.Combine(_root, "b")).AbsoluteUri]);

    protected override Task DeleteBaseDirectoriesAsync()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}
