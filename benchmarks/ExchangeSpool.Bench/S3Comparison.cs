using Amazon.S3;
using Amazon.S3.Model;
using ExchangeSpool.ContractTests.S3;

namespace ExchangeSpool.Bench;

/// <summary>
/// ExchangeSpool on S3 against the same bytes moved with AWSSDK.S3 directly. Both use the spool's
/// part size (5 MiB) and its concurrency: one object per sink and partition, all written at once with
/// at most 2 parts in flight each (the backend's MaxPartsInFlight); read back by as many streams as
/// sinks, 4 objects at a time each (source-concurrent-readers), by ranged GETs of one part with the
/// next one fetched ahead, as the backend's reader does. Both sign an upload's payload as one SHA-256
/// rather than aws-chunked, as the backend does (chunked signing cost the gateway a third more CPU).
/// </summary>
public static class S3Comparison
{
    public const int PartSize = 5 * 1024 * 1024;
    private const int PartsInFlight = 2;
    private const int ObjectsPerReader = 4;

    public static async Task<S3Result> MeasureAsync(string directory, int sinks, int partitions, long bytes, int pageSize)
    {
        await using var endpoint = await S3TestEndpoint.StartAsync();
        using var s3 = endpoint.CreateClient();
        var bucket = $"spool-bench-{Guid.NewGuid():N}"[..30];
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        var part = PageData.Random(PartSize);
        var objects = Enumerable.Range(0, sinks * partitions).Select(i => ($"direct/{i}", PageData.Share(bytes, sinks * partitions, i))).ToArray();

        // Warm both clients up on a small object and a small exchange first; the measured runs then start hot.
        await UploadAsync(s3, bucket, "warm-up", PartSize + 1, part);
        await DownloadAsync(s3, bucket, "warm-up", PartSize + 1, new SemaphoreSlim(1));
        var directWrite = await Throughput.MeasureAsync(bytes, () => Task.WhenAll(objects.Select(o => Task.Run(() => UploadAsync(s3, bucket, o.Item1, o.Item2, part)))));
        var readers = Enumerable.Range(0, sinks).Select(r => new SemaphoreSlim(ObjectsPerReader)).ToArray();
        var directRead = await Throughput.MeasureAsync(bytes, () => Task.WhenAll(objects.Select((o, i) =>
            Task.Run(() => DownloadAsync(s3, bucket, o.Item1, o.Item2, readers[i % sinks])))));

        await using var server = await InProcessServer.StartAsync(directory, [$"exchange.base-directories=s3://{bucket}/spool", .. endpoint.ServerSettings()]);
        using var client = server.CreateClient();
        var page = PageData.Random(pageSize);
        await SpoolWorkload.WarmUpAsync(client, sinks, partitions, Throughput.WarmUpBytes(bytes, (long)sinks * pageSize), page);
        var workload = new SpoolWorkload(client, sinks, partitions, bytes, page);
        var exchange = await SpoolWorkload.CreateExchangeAsync(client, partitions);
        var spoolWrite = await Throughput.MeasureAsync(bytes, () => workload.WriteAsync(exchange));
        var spoolRead = await Throughput.MeasureAsync(bytes, () => workload.ReadAsync(exchange));
        await exchange.CloseAsync();
        await endpoint.DeleteBucketsAsync([bucket]);
        return new S3Result(endpoint.Kind, sinks, partitions, PartSize, new Directions(directWrite, directRead), new Directions(spoolWrite, spoolRead));
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
        var inFlight = new Queue<Task<PartETag>>();
        var done = new List<PartETag>();
        var number = 0;
        for (long offset = 0; offset < length; offset += PartSize)
        {
            if (inFlight.Count >= PartsInFlight)
                done.Add(await inFlight.Dequeue());
            inFlight.Enqueue(UploadPartAsync(s3, bucket, key, upload.UploadId, ++number, part, (int)Math.Min(PartSize, length - offset)));
        }
        while (inFlight.Count > 0)
            done.Add(await inFlight.Dequeue());
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

public sealed record S3Result(string Server, int Sinks, int Partitions, int PartSize, Directions Direct, Directions Spool);
