using Amazon.S3.Model;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.S3;

/// <summary>
/// Writes one object: a file smaller than one part is a single PutObject at completion; past that a
/// multipart upload, created before the first part and completed with the parts' ETags. Parts, and
/// how many are in flight, are <see cref="PartedFileWriter{TPart}"/>'s. Disposing a writer that did
/// not complete aborts its multipart upload, which deletes every part it sent.
/// </summary>
internal sealed class S3FileWriter(S3Bucket bucket, string key) : PartedFileWriter<PartETag>(bucket.Options.PartSize)
{
    private string? _uploadId;

    protected override async Task UploadWholeAsync(PartBuffer content, CancellationToken cancellationToken)
    {
        await bucket.Retry.ExecuteAsync(S3RequestType.Put, "PutObject", bucket.Name, key, async token =>
        {
            var request = bucket.NewPut(key);
            request.InputStream = content.OpenRead();
            request.AutoCloseStream = true;
            await bucket.Client.PutObjectAsync(request, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    protected override async Task BeginPartsAsync(CancellationToken cancellationToken)
    {
        var response = await bucket.Retry.ExecuteAsync(S3RequestType.Put, "CreateMultipartUpload", bucket.Name, key,
            token => bucket.Client.InitiateMultipartUploadAsync(bucket.NewMultipartUpload(key), token), cancellationToken).ConfigureAwait(false);
        _uploadId = response.UploadId;
    }

    protected override async Task<PartETag> UploadPartAsync(PartBuffer part, int partNumber, CancellationToken cancellationToken)
    {
        var response = await bucket.Retry.ExecuteAsync(S3RequestType.Put, $"UploadPart {partNumber}", bucket.Name, key, token =>
            bucket.Client.UploadPartAsync(bucket.NewUploadPart(key, _uploadId!, partNumber, part.Length, part.OpenRead()), token), cancellationToken).ConfigureAwait(false);
        return new PartETag(partNumber, response.ETag);
    }

    protected override async Task CommitPartsAsync(IReadOnlyList<PartETag> parts, CancellationToken cancellationToken)
    {
        var request = new CompleteMultipartUploadRequest
        {
            BucketName = bucket.Name,
            Key = key,
            UploadId = _uploadId,
            PartETags = parts.ToList(),
        };
        await bucket.Retry.ExecuteAsync(S3RequestType.Put, "CompleteMultipartUpload", bucket.Name, key,
            token => bucket.Client.CompleteMultipartUploadAsync(request, token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Best effort: an abort that fails leaves an incomplete upload, which deleting the attempt's or
    /// the exchange's prefix aborts again (see <see cref="S3PrefixDeleter"/>).
    /// </summary>
    protected override async Task AbortAsync()
    {
        if (_uploadId is null)
            return;
        try
        {
            await bucket.Retry.ExecuteAsync(S3RequestType.Delete, "AbortMultipartUpload", bucket.Name, key,
                token => bucket.Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
                {
                    BucketName = bucket.Name,
                    Key = key,
                    UploadId = _uploadId,
                }, token), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Left to the prefix deletion that follows every abort.
        }
    }
}
