using ExchangeSpool.Core;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.Hdfs;

/// <summary>Reads a completed file by OPEN with offset and length, a block-size window at a time with the next one read ahead.</summary>
internal sealed class HdfsFileReader(WebHdfsClient client, string path, string uri, long length, int windowSize, MemoryBudget? budget)
    : ReadAheadFileReader(length, windowSize, budget)
{
    protected override async Task FetchAsync(long start, Memory<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            await client.OpenAsync(path, start, destination, destination.Length, cancellationToken).ConfigureAwait(false);
        }
        catch (WebHdfsRemoteException e) when (e.IsFileNotFound)
        {
            throw new SpoolException(SpoolErrorReason.DataLoss, $"spool file {uri} disappeared while it was read: {e.Message}", e);
        }
    }
}
