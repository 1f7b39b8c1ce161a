using Amazon.S3.Model;
using ExchangeSpool.ContractTests.S3;

namespace ExchangeSpool.Bench;

/// <summary>
/// ExchangeSpool on S3 against the same bytes moved with AWSSDK.S3 directly (<see cref="DirectS3"/>),
/// both against one S3 endpoint and measured in interleaved rounds (direct, spool, direct, ...).
/// </summary>
public static class S3Comparison
{
    public static async Task<S3Result> MeasureAsync(string directory, int sinks, int partitions, long bytes, int pageSize, int repetitions,
        IProgress<double> progress)
    {
        await using var endpoint = await S3TestEndpoint.StartAsync();
        using var s3 = endpoint.CreateClient();
        var bucket = $"spool-bench-{Guid.NewGuid():N}"[..30];
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        var direct = await DirectS3.StartAsync(s3, bucket, sinks, partitions, bytes);
        await using var spool = await SpoolEndToEnd.StartAsync(directory, sinks, partitions, bytes, pageSize,
            [$"exchange.base-directories=s3://{bucket}/spool", .. endpoint.ServerSettings()]);
        var measured = await Interleaving.MeasureAsync([direct, spool], repetitions, progress);
        await endpoint.DeleteBucketsAsync([bucket]);
        return new S3Result(endpoint.Kind, sinks, partitions, DirectS3.PartSize, measured[0], measured[1]);
    }
}

public sealed record S3Result(string Server, int Sinks, int Partitions, int PartSize, RepeatedDirections Direct, RepeatedDirections Spool);
