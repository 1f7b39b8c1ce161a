using Azure;
using Azure.Storage.Blobs.Models;

namespace ExchangeSpool.Storage.Azure;

/// <summary>
/// Deletes every committed blob under a prefix: lists a page at a time (up to 5000 names) and deletes
/// each blob with its own paced Delete Blob request (the Blob Batch API lives in a package this build
/// does not use), a few at a time. Blocks staged but never committed are not listed and cannot be
/// deleted; Azure discards them after a week.
/// </summary>
internal static class AzurePrefixDeleter
{
    private const int ConcurrentDeletes = 8;

    public static async Task DeleteAsync(AzureContainer container, string prefix, CancellationToken cancellationToken)
    {
        string? continuation = null;
        do
        {
            var page = await container.Requests.RunAsync<Page<BlobItem>?>("ListBlobs", container, prefix, async token =>
            {
                await foreach (var page in container.Client.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, token)
                    .AsPages(continuation).ConfigureAwait(false))
                    return page;
                return null;
            }, cancellationToken).ConfigureAwait(false);
            if (page is null)
                break;
            await Parallel.ForEachAsync(page.Values, new ParallelOptions { MaxDegreeOfParallelism = ConcurrentDeletes, CancellationToken = cancellationToken },
                async (item, token) => await DeleteBlobAsync(container, item.Name, token).ConfigureAwait(false)).ConfigureAwait(false);
            continuation = string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken;
        }
        while (continuation is not null);
    }

    private static async Task DeleteBlobAsync(AzureContainer container, string blob, CancellationToken cancellationToken)
    {
        await container.DeletePacer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await container.Requests.RunAsync("DeleteBlob", container, blob,
                token => container.Blob(blob).DeleteAsync(cancellationToken: token), cancellationToken, AzureRequests.IsNotFound).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (AzureRequests.IsNotFound(e))
        {
            // Deleted meanwhile (its writer aborted, another server's cleanup).
        }
    }
}
