using Amazon.S3.Model;
using ExchangeSpool.ContractTests.S3;

namespace ExchangeSpool.Bench;

/// <summary>
/// ExchangeSpool on S3 against the same bytes moved with AWSSDK.S3 directly (<see cref="DirectS3"/>),
/// in a bucket of its own on the tests' S3 endpoint, whose gateway daemons are pinned when it is the
/// tests' RADOS Gateway (<see cref="ObjectStoreComparison"/>).
/// </summary>
public static class S3Comparison
{
    public static async Task<IReadOnlyList<ObjectStoreResult>> MeasureAsync(string directory, int sinks, int partitions, long bytes, int pageSize,
        int repetitions, IProgress<double> progress)
    {
        await using var endpoint = await S3TestEndpoint.StartAsync();
        using var s3 = endpoint.CreateClient();
        var bucket = $"spool-bench-{Guid.NewGuid():N}"[..30];
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        var direct = await DirectS3.StartAsync(s3, bucket, sinks, partitions, bytes);
        var store = new ObjectStoreEndpoint(endpoint.Kind, direct, DirectS3.PartSize,
            [$"exchange.base-directories=s3://{bucket}/spool", .. endpoint.ServerSettings()], endpoint.Gateway?.DaemonPids ?? []);
        var results = await ObjectStoreComparison.MeasureAsync(store, directory, sinks, partitions, bytes, pageSize, repetitions, progress);
        await endpoint.DeleteBucketsAsync([bucket]);
        return results;
    }
}
