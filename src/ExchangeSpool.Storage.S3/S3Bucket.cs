using Amazon.S3;
using Amazon.S3.Model;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.S3;

/// <summary>
/// One base directory's bucket with its own client: a client per bucket, so a throttled bucket
/// cannot hold up requests to the others through a shared connection pool or retry budget.
/// </summary>
internal sealed class S3Bucket(S3Location location, IAmazonS3 client, S3Options options, S3RetryPolicy retry, MemoryBudget budget) : IDisposable
{
    public S3Location Location { get; } = location;

    public string Name => Location.Bucket;

    public IAmazonS3 Client { get; } = client;

    public S3Options Options { get; } = options;

    public S3RetryPolicy Retry { get; } = retry;

    /// <summary>The server's memory budget, which read windows are charged to.</summary>
    public MemoryBudget Budget { get; } = budget;

    /// <summary>Paces multi-object deletes, so that cleanup after many queries does not provoke SlowDown for the writers.</summary>
    public RequestPacer DeletePacer { get; } = new(options.DeleteRequestsPerSecond);

    // Uploads sign their payload as one SHA-256 (UseChunkEncoding = false) rather than the SDK's
    // default aws-chunked encoding, which signs every 64 KiB chunk on its own: the payload is just as
    // signed, and the server checks one hash instead of parsing and verifying a signature a chunk.
    // Measured on Ceph RGW with 5 MiB parts: the gateway spends about 30% less CPU a byte, the client
    // about 20% less. The SDK reads the body twice (hash, then send), which our in-memory bodies allow.
    public PutObjectRequest NewPut(string key) => new()
    {
        BucketName = Name,
        Key = key,
        UseChunkEncoding = false,
        StorageClass = S3StorageClass.FindValue(Options.StorageClass),
        ServerSideEncryptionMethod = EncryptionMethod,
        ServerSideEncryptionKeyManagementServiceKeyId = Options.SseKmsKeyId,
    };

    public UploadPartRequest NewUploadPart(string key, string uploadId, int partNumber, long size, Stream body) => new()
    {
        BucketName = Name,
        Key = key,
        UploadId = uploadId,
        PartNumber = partNumber,
        PartSize = size,
        InputStream = body,
        UseChunkEncoding = false,
    };

    public InitiateMultipartUploadRequest NewMultipartUpload(string key) => new()
    {
        BucketName = Name,
        Key = key,
        StorageClass = S3StorageClass.FindValue(Options.StorageClass),
        ServerSideEncryptionMethod = EncryptionMethod,
        ServerSideEncryptionKeyManagementServiceKeyId = Options.SseKmsKeyId,
    };

    private ServerSideEncryptionMethod? EncryptionMethod => Options.SseType switch
    {
        S3ServerSideEncryption.S3 => ServerSideEncryptionMethod.AES256,
        S3ServerSideEncryption.Kms => ServerSideEncryptionMethod.AWSKMS,
        _ => null,
    };

    public void Dispose() => Client.Dispose();
}
