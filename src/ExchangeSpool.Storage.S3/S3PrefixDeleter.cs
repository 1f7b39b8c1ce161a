using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using ExchangeSpool.Core;

namespace ExchangeSpool.Storage.S3;

/// <summary>
/// Deletes everything under a prefix: aborts the multipart uploads left under it (a writer whose
/// abort failed, a server that died mid-write), then lists the objects a page at a time and deletes
/// each page with one paced multi-object delete (up to 1000 keys a call).
/// </summary>
internal static class S3PrefixDeleter
{
    public static async Task DeleteAsync(S3Bucket bucket, string prefix, CancellationToken cancellationToken)
    {
        await AbortUploadsAsync(bucket, prefix, cancellationToken).ConfigureAwait(false);
        string? continuation = null;
        do
        {
            var page = await bucket.Retry.ExecuteAsync(S3RequestType.List, "ListObjectsV2", bucket.Name, prefix,
                token => bucket.Client.ListObjectsV2Async(new ListObjectsV2Request
                {
                    BucketName = bucket.Name,
                    Prefix = prefix,
                    ContinuationToken = continuation,
                }, token), cancellationToken).ConfigureAwait(false);
            if (page.S3Objects is { Count: > 0 } objects)
                await DeleteObjectsAsync(bucket, prefix, objects.Select(o => new KeyVersion { Key = o.Key }).ToList(), cancellationToken).ConfigureAwait(false);
            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    private static async Task DeleteObjectsAsync(S3Bucket bucket, string prefix, List<KeyVersion> keys, CancellationToken cancellationToken)
    {
        await bucket.DeletePacer.WaitAsync(cancellationToken).ConfigureAwait(false);
        var response = await bucket.Retry.ExecuteAsync(S3RequestType.Delete, "DeleteObjects", bucket.Name, prefix,
            token => bucket.Client.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = bucket.Name, Objects = keys, Quiet = true }, token),
            cancellationToken).ConfigureAwait(false);
        if (response.DeleteErrors is { Count: > 0 } errors)
        {
            var first = errors[0];
            throw new SpoolException(SpoolErrorReason.StorageUnavailable,
                $"S3 DeleteObjects s3://{bucket.Name}/{first.Key} failed: {first.Code}: {first.Message} ({errors.Count} of {keys.Count} keys under {prefix} not deleted)");
        }
    }

    private static async Task AbortUploadsAsync(S3Bucket bucket, string prefix, CancellationToken cancellationToken)
    {
        string? keyMarker = null;
        string? uploadIdMarker = null;
        do
        {
            var page = await bucket.Retry.ExecuteAsync(S3RequestType.List, "ListMultipartUploads", bucket.Name, prefix,
                token => bucket.Client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest
                {
                    BucketName = bucket.Name,
                    Prefix = prefix,
                    KeyMarker = keyMarker,
                    UploadIdMarker = uploadIdMarker,
                }, token), cancellationToken).ConfigureAwait(false);
            foreach (var upload in page.MultipartUploads ?? [])
                await AbortUploadAsync(bucket, upload, cancellationToken).ConfigureAwait(false);
            (keyMarker, uploadIdMarker) = page.IsTruncated == true ? (page.NextKeyMarker, page.NextUploadIdMarker) : (null, null);
        }
        while (keyMarker is not null);
    }

    private static async Task AbortUploadAsync(S3Bucket bucket, MultipartUpload upload, CancellationToken cancellationToken)
    {
        try
        {
            await bucket.Retry.ExecuteAsync(S3RequestType.Delete, "AbortMultipartUpload", bucket.Name, upload.Key,
                token => bucket.Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
                {
                    BucketName = bucket.Name,
                    Key = upload.Key,
                    UploadId = upload.UploadId,
                }, token), cancellationToken, S3Answers.NotFound).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // Its writer completed or aborted it meanwhile.
        }
    }
}
