using ExchangeSpool.ContractTests.Azure;
using ExchangeSpool.Storage.Azure;

namespace ExchangeSpool.Bench;

/// <summary>
/// ExchangeSpool on Azure Blob Storage against the same bytes moved with Azure.Storage.Blobs directly
/// (<see cref="DirectAzure"/>), in a container of its own on the tests' account, whose Azurite is
/// pinned when it is the tests' own (<see cref="ObjectStoreComparison"/>): sinks × --azure-partitions × --azure-bytes.
/// </summary>
public static class AzureComparison
{
    public static async Task<IReadOnlyList<ObjectStoreResult>> MeasureAsync(BenchOptions o, IProgress<double> progress)
    {
        await using var account = await AzureTestEndpoint.StartAsync();
        var containers = await account.CreateContainersAsync(1);
        var direct = await DirectAzure.StartAsync(account.CreateClient().GetBlobContainerClient(containers[0]), o.Sinks, o.AzurePartitions, o.AzureBytes);
        var store = new ObjectStoreEndpoint(account.Kind, direct, DirectAzure.BlockSize,
            [$"exchange.base-directories={account.BaseDirectory(containers[0], "spool")}", $"{AzureOptions.BlockSizeKey}={DirectAzure.BlockSize}",
                .. account.ServerSettings()],
            account.Azurite is { } azurite ? [azurite.Pid] : []);
        var results = await ObjectStoreComparison.MeasureAsync(store, Path.Combine(o.WorkDirectory, "azure"), o.Sinks, o.AzurePartitions, o.AzureBytes,
            o.PageSize, o.Repetitions, progress);
        await account.DeleteContainersAsync(containers);
        return results;
    }
}
