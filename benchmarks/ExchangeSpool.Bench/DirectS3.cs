using Amazon.S3;
using Amazon.S3.Model;

namespace ExchangeSpool.Bench;

/// <summary>
/// The same bytes as the spool's S3 run, moved with AWSSDK.S3 directly, at the spool's part size
/// (5 MiB) and its concurrency: one object per sink and partition, all written at once with at most 2
/// parts in flight each (the backend's MaxPartsInFlight); read back by as many streams as sinks, 4
/// objects at a time each (source-concurrent-readers), by ranged GETs of one part with the next one
/// fetched ahead, as the backend's reader does. Both sign an upload's payload as one SHA-256 rather
/// than aws-chunked, as the backend does (chunked signing cost the gateway a third more CPU). Each
/// round writes new keys and deletes them afterwards, unmeasured, as the spool closes its exchange.
/// </summary>
public sealed class DirectS3 : IThroughputSubject
{
    public const int PartSize = 5 * 1024 * 1024;
    private const int PartsInFlight = 2;
    private const int ObjectsPerReader = 4;

    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly int _sinks;
    private readonly int _objects;
    private readonly long _bytes;
    private readonly byte[] _part = PageData.Random(PartSize);
    private int _round;

    private DirectS3(IAmazonS3 s3, string bucket, int sinks, int partitions, long bytes)
    {
        _s3 = s3;
        _bucket = bucket;
        _sinks = sinks;
        _objects = sinks * partitions;
        _bytes = bytes;
    }

    /// <summary>Warms the client up on a small multipart object first; the measured rounds then start hot.</summary>
    public static async Task<DirectS3> StartAsync(IAmazonS3 s3, string bucket, int sinks, int partitions, long bytes)
    {
        var direct = new DirectS3(s3, bucket, sinks, partitions, bytes);
        await UploadAsync(s3, bucket, "warm-up", PartSize + 1, direct._part);
        await DownloadAsync(s3, bucket, "warm-up", PartSize + 1, new SemaphoreSlim(1));
        return direct;
    }

    public async Task<Directions> MeasureRoundAsync()
    {
        var round = ++_round;
        var objects = Enumerable.Range(0, _objects).Select(i => (Key: $"direct/{round}/{i}", Length: PageData.Share(_bytes, _objects, i))).ToArray();
        var write = await Throughput.MeasureAsync(_bytes, () => Task.WhenAll(objects.Select(o =>
            Task.Run(() => UploadAsync(_s3, _bucket, o.Key, o.Length, _part)))));
        var readers = Enumerable.Range(0, _sinks).Select(_ => new SemaphoreSlim(ObjectsPerReader)).ToArray();
        var read = await Throughput.MeasureAsync(_bytes, () => Task.WhenAll(objects.Select((o, i) =>
            Task.Run(() => DownloadAsync(_s3, _bucket, o.Key, o.Length, readers[i % _sinks])))));
        await _s3.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = _bucket, Objects = objects.Select(o => new KeyVersion { Key = o.Key }).ToList() });
        return new Directions(write, read);
    }

    private static async Task UploadAsync(IAmazonS3 s3, string bucket, string key, long length, byte[] part)
    {
        if (length < PartSize)
        {
            using var body = new MemoryStream(part, 0, (int)length, writable: false);
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = body, AutoCloseStream = false, UseChunkEncoding = false });
            return;
        }
        var upload = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = key });
        var done = await PartUploads.UploadAsync(length, PartSize, PartsInFlight,
            (number, size) => UploadPartAsync(s3, bucket, key, upload.UploadId, number, part, size));
        await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = upload.UploadId, PartETags = done });
    }

    private static async Task<PartETag> UploadPartAsync(IAmazonS3 s3, string bucket, string key, string uploadId, int number, byte[] part, int size)
    {
        using var body = new MemoryStream(part, 0, size, writable: false);
        var response = await s3.UploadPartAsync(new UploadPartRequest
        {
            BucketName = bucket, Key = key, UploadId = uploadId, PartNumber = number, InputStream = body, PartSize = size,
            UseChunkEncoding = false,
        });
        return new PartETag(number, response.ETag);
    }

    private static async Task DownloadAsync(IAmazonS3 s3, string bucket, string key, long length, SemaphoreSlim reader)
    {
        await reader.WaitAsync();
        try
        {
            Task<long>? next = length > 0 ? GetRangeAsync(s3, bucket, key, 0, Math.Min(PartSize, length)) : null;
            long received = 0;
            for (long offset = 0; next is not null; offset += PartSize)
            {
                var current = next;
                var following = offset + PartSize;
                // The next window is fetched while this one is consumed.
                next = following < length ? GetRangeAsync(s3, bucket, key, following, Math.Min(PartSize, length - following)) : null;
                received += await current;
            }
            if (received != length)
                throw new InvalidOperationException($"read {received} bytes of {length} from {key}");
        }
        finally
        {
            reader.Release();
        }
    }

    private static async Task<long> GetRangeAsync(IAmazonS3 s3, string bucket, string key, long start, long length)
    {
        using var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, ByteRange = new ByteRange(start, start + length - 1) });
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await response.ResponseStream.ReadAsync(buffer)) > 0)
            total += read;
        return total;
    }
}
