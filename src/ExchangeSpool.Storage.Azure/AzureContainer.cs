using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.Azure;

/// <summary>One base directory's container with its own client, request runner and delete pacing.</summary>
internal sealed class AzureContainer(AzureLocation location, BlobServiceClient service, AzureOptions options, AzureRequests requests, MemoryBudget budget)
{
    public AzureLocation Location { get; } = location;

    public BlobContainerClient Client { get; } = service.GetBlobContainerClient(location.Container);

    public string Name => Location.Container;

    /// <summary>The account requests go to: the connection string's or endpoint's, else the base directory's.</summary>
    public string Account => Client.AccountName;

    public AzureOptions Options { get; } = options;

    public AzureRequests Requests { get; } = requests;

    /// <summary>The server's one budget, which read windows are charged to.</summary>
    public MemoryBudget Budget { get; } = budget;

    /// <summary>Paces blob deletes, so that cleanup after many queries does not provoke throttling for the writers.</summary>
    public RequestPacer DeletePacer { get; } = new(options.DeleteRequestsPerSecond);

    public BlockBlobClient Blob(string name) => Client.GetBlockBlobClient(name);
}
