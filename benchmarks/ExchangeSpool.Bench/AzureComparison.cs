using ExchangeSpool.ContractTests.Azure;
using ExchangeSpool.Storage.Azure;

namespace ExchangeSpool.Bench;

/// <summary>
/// ExchangeSpool on Azure Blob Storage against the same bytes moved with Azure.Storage.Blobs directly
/// (<see cref="DirectAzure"/>), in a container of its own on the tests' account, whose Azurite is
/// pinned when it is the tests' own (<see cref="ObjectStoreComparison"/>).
/// </summary>
public static class AzureComparison
{
    public static async Task<IReadOnlyList<ObjectStoreResult>> MeasureAsync(string directory, int sinks, int partitions, long bytes, int pageSize,
        int repetitions, IProgress<double> progress)
    {
        await using var endpoint = await AzureTestEndpoint.StartAsync();
        var containers = await endpoint.CreateContainersAsync(1);
        var direct = await DirectAzure.StartAsync(endpoint.CreateClient().GetBlobContainerClient(containers[0]), sinks, partitions, bytes);
        var store = new ObjectStoreEndpoint(endpoint.Kind, direct, DirectAzure.BlockSize,
            [$"exchange.base-directories={endpoint.BaseDirectory(containers[0], "spool")}", $"{AzureOptions.BlockSizeKey}={DirectAzure.BlockSize}",
                .. endpoint.ServerSettings()],
            endpoint.Azurite is { } azurite ? [azurite.Pid] : []);
        var results = await ObjectStoreComparison.MeasureAsync(store, directory, sinks, partitions, bytes, pageSize, repetitions, progress);
        await endpoint.DeleteContainersAsync(containers);
        return results;
    }
}
