using System.Net;
using Amazon.S3;
using ExchangeSpool.Core;
using ExchangeSpool.Storage.S3;

namespace ExchangeSpool.ContractTests.S3;

/// <summary>What a failed S3 request becomes once the retries are spent.</summary>
public sealed class S3RetryPolicyTests
{
    [Theory]
    [InlineData(HttpStatusCode.Forbidden, "QuotaExceeded")]
    [InlineData(HttpStatusCode.InsufficientStorage, "XMinioStorageFull")]
    [InlineData(HttpStatusCode.InsufficientStorage, "InsufficientStorage")]
    public async Task FullStoreOrQuota_FailsStorageFullNamingTheKey(HttpStatusCode status, string errorCode)
    {
        var error = await FailAsync(new AmazonS3Exception("no room") { StatusCode = status, ErrorCode = errorCode });

        Assert.Equal(SpoolErrorReason.StorageFull, error.Reason);
        Assert.Equal(SpoolErrorCode.ResourceExhausted, error.Code);
        Assert.Contains("s3://bucket/spool/a/0_0.data", error.Message);
    }

    [Fact]
    public async Task OtherServerError_FailsStorageUnavailable()
    {
        var error = await FailAsync(new AmazonS3Exception("busy") { StatusCode = HttpStatusCode.ServiceUnavailable, ErrorCode = "SlowDown" });

        Assert.Equal(SpoolErrorReason.StorageUnavailable, error.Reason);
    }

    private static async Task<SpoolException> FailAsync(AmazonS3Exception failure)
    {
        using var counters = new S3RequestCounters();
        var policy = new S3RetryPolicy(new S3Options { MaxErrorRetries = 0 }, counters);
        return await Assert.ThrowsAsync<SpoolException>(() =>
            policy.ExecuteAsync(S3RequestType.Put, "PutObject", "bucket", "spool/a/0_0.data", _ => Task.FromException(failure), CancellationToken.None));
    }
}
