using System.Security.Cryptography;
using Amazon.S3.Model;

namespace ExchangeSpool.ContractTests.S3;

/// <summary>
/// What the tests' own S3 server must do for long runs: a benchmark that wrote and deleted gigabytes
/// round after round filled the gateway's in-memory store, because deleted data waited hours for
/// garbage collection; the cluster went FULL and the gateway stopped answering writes.
/// </summary>
[Collection(S3Collection.Name)]
public sealed class RadosGatewayTests
{
    private const int PartSize = 5 * 1024 * 1024;

    [Fact]
    public async Task DeletedMultipartObject_IsGarbageCollectedInSeconds_NotHours()
    {
        var s3 = await S3TestEndpoint.SharedGatewayAsync();
        var gateway = s3.Gateway!;
        var bucket = (await s3.CreateBucketsAsync(1))[0];
        using var client = s3.CreateClient();
        var upload = await client.InitiateMultipartUploadAsync(bucket, "deleted");
        var part = RandomNumberGenerator.GetBytes(PartSize);
        var etags = new List<PartETag>();
        for (var number = 1; number <= 2; number++)
        {
            var response = await client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = bucket, Key = "deleted", UploadId = upload.UploadId, PartNumber = number, InputStream = new MemoryStream(part),
            });
            etags.Add(new PartETag(number, response.ETag));
        }
        await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket, Key = "deleted", UploadId = upload.UploadId, PartETags = etags,
        });

        await client.DeleteObjectAsync(bucket, "deleted");

        Assert.True(await gateway.PendingGarbageCountAsync() > 0, "the deleted object's parts were not queued for garbage collection");
        await EngineDriver.WaitUntilAsync(async () => await gateway.PendingGarbageCountAsync() == 0);
        await s3.DeleteBucketsAsync([bucket]);
    }
}
