using System.Buffers;
using System.Buffers.Binary;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Storage.Azure;

namespace ExchangeSpool.Bench;

/// <summary>
/// The same bytes as the spool's Azure run, moved with Azure.Storage.Blobs directly, the way the
/// Azure backend moves them: one block blob per sink and partition, all written at once; a blob
/// smaller than one block (the backend's default, 4 MiB) is one Put Blob, a larger one is staged
/// block by block with at most 2 blocks in flight (the backend's writer) and committed with its block
/// list. Read back by as many streams as sinks, 4 blobs at a time each (source-concurrent-readers),
/// by ranged Get Blob requests of one block into a window buffer, every range after the first
/// conditional on the first one's ETag, as the backend's reader does. The next range is requested
/// while the current one arrives, as <see cref="DirectS3"/> does: the backend's reader has one
/// request in flight while it sends the window before to the client, and one in flight here read no
/// faster on Azurite. The client has the SDK's default options, as the backend's has but for its
/// retry bounds and its request counting. Each round writes new blobs and deletes them afterwards,
/// unmeasured, as the spool closes its exchange.
/// </summary>
public sealed class DirectAzure : IThroughputSubject
{
    public static readonly int BlockSize = (int)new AzureOptions().BlockSize;
    private const int BlocksInFlight = PartedFileWriter<string>.MaxPartsInFlight;
    private static readonly int BlobsPerReader = new SpoolOptions().SourceConcurrentReaders;

    private readonly BlobContainerClient _container;
    private readonly int _sinks;
    private readonly int _blobs;
    private readonly long _bytes;
    private readonly byte[] _block = PageData.Random(BlockSize);
    private int _round;

    private DirectAzure(BlobContainerClient container, int sinks, int partitions, long bytes)
    {
        _container = container;
        _sinks = sinks;
        _blobs = sinks * partitions;
        _bytes = bytes;
    }

    /// <summary>Warms the client up on a small staged blob first; the measured rounds then start hot.</summary>
    public static async Task<DirectAzure> StartAsync(BlobContainerClient container, int sinks, int partitions, long bytes)
    {
        var direct = new DirectAzure(container, sinks, partitions, bytes);
        var warmUp = container.GetBlockBlobClient("warm-up");
        await UploadAsync(warmUp, BlockSize + 1, direct._block);
        await DownloadAsync(warmUp, BlockSize + 1, new SemaphoreSlim(1));
        await warmUp.DeleteAsync();
        return direct;
    }

    public async Task<Directions> MeasureRoundAsync()
    {
        var round = ++_round;
        var blobs = Enumerable.Range(0, _blobs)
            .Select(i => (Client: _container.GetBlockBlobClient($"direct/{round}/{i}"), Length: PageData.Share(_bytes, _blobs, i))).ToArray();
        var write = await Throughput.MeasureAsync(_bytes, () => Task.WhenAll(blobs.Select(b =>
            Task.Run(() => UploadAsync(b.Client, b.Length, _block)))));
        var readers = Enumerable.Range(0, _sinks).Select(_ => new SemaphoreSlim(BlobsPerReader)).ToArray();
        var read = await Throughput.MeasureAsync(_bytes, () => Task.WhenAll(blobs.Select((b, i) =>
            Task.Run(() => DownloadAsync(b.Client, b.Length, readers[i % _sinks])))));
        await Task.WhenAll(blobs.Select(b => b.Client.DeleteAsync()));
        return new Directions(write, read);
    }

    private static async Task UploadAsync(BlockBlobClient blob, long length, byte[] block)
    {
        if (length < BlockSize)
        {
            using var body = new MemoryStream(block, 0, (int)length, writable: false);
            await blob.UploadAsync(body, new BlobUploadOptions());
            return;
        }
        var staged = await PartUploads.UploadAsync(length, BlockSize, BlocksInFlight, (number, size) => StageBlockAsync(blob, number, block, size));
        await blob.CommitBlockListAsync(staged);
    }

    private static async Task<string> StageBlockAsync(BlockBlobClient blob, int number, byte[] block, int size)
    {
        // Block ids of one blob must all have the same length: base64 of the number as 4 big-endian bytes, as the backend's.
        var id = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(id, number);
        var blockId = Convert.ToBase64String(id);
        using var body = new MemoryStream(block, 0, size, writable: false);
        await blob.StageBlockAsync(blockId, body);
        return blockId;
    }

    private static async Task DownloadAsync(BlockBlobClient blob, long length, SemaphoreSlim reader)
    {
        await reader.WaitAsync();
        try
        {
            var (first, etag) = await GetRangeAsync(blob, 0, Math.Min(BlockSize, length), conditions: null);
            long received = first;
            var conditions = new BlobRequestConditions { IfMatch = etag };
            Task<(int Count, ETag ETag)>? next = BlockSize < length ? GetRangeAsync(blob, BlockSize, Math.Min(BlockSize, length - BlockSize), conditions) : null;
            for (long offset = BlockSize; next is not null; offset += BlockSize)
            {
                var current = next;
                var following = offset + BlockSize;
                // The next window is fetched while this one is consumed.
                next = following < length ? GetRangeAsync(blob, following, Math.Min(BlockSize, length - following), conditions) : null;
                received += (await current).Count;
            }
            if (received != length)
                throw new InvalidOperationException($"read {received} bytes of {length} from {blob.Name}");
        }
        finally
        {
            reader.Release();
        }
    }

    /// <summary>One ranged Get Blob read into a pooled window, as the backend reads into its budget's.</summary>
    private static async Task<(int Count, ETag ETag)> GetRangeAsync(BlockBlobClient blob, long start, long length, BlobRequestConditions? conditions)
    {
        var window = ArrayPool<byte>.Shared.Rent(BlockSize);
        try
        {
            var response = await blob.DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(start, length), Conditions = conditions });
            using var result = response.Value;
            var read = await result.Content.ReadAtLeastAsync(window.AsMemory(0, (int)length), (int)length, throwOnEndOfStream: false);
            return (read, result.Details.ETag);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(window);
        }
    }
}
