using Amazon.S3.Model;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.S3;

/// <summary>
/// Writes one object. Until a part is full nothing is sent, so a file smaller than one part is a
/// single PutObject at completion. Past that it is a multipart upload: each part (the blocks taken
/// until they reach the part size) is uploaded while the next one fills, with at most
/// <see cref="MaxPartsInFlight"/> uploading, so one writer holds at most
/// (<see cref="MaxPartsInFlight"/> + 1) parts, each at most one block over the part size. The parts
/// are the sink's blocks themselves (<see cref="PartBuffer"/>), charged to the memory budget until
/// uploaded. Disposing a writer that did not complete aborts its multipart upload, which deletes
/// every part it sent, and gives back every block it holds.
/// </summary>
internal sealed class S3FileWriter(S3Bucket bucket, string key) : IStorageFileWriter
{
    /// <summary>Two parts on the wire keep a writer busy while a third fills; more would only add memory.</summary>
    public const int MaxPartsInFlight = 2;

    private readonly long _partSize = bucket.Options.PartSize;
    private readonly Queue<Task<PartETag>> _inFlight = new();
    private readonly List<PartETag> _uploaded = [];
    private readonly CancellationTokenSource _cancel = new();
    private PartBuffer _filling = new();
    private string? _uploadId;
    private bool _completed;
    private bool _disposed;

    /// <summary>Copies <paramref name="data"/>: for callers outside the sink path, whose bytes no budget counts.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        WriteAsync(new StorageBlock(data.ToArray()), cancellationToken);

    public async ValueTask WriteAsync(StorageBlock block, CancellationToken cancellationToken)
    {
        _filling.Append(block);
        if (_filling.Length >= _partSize)
            await SendFullPartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The part still filling: below the part size, it can only go out as the object's last part.</summary>
    public long HeldBytes => _filling.Length;

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (_uploadId is null)
        {
            await PutWholeObjectAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            if (_filling.Length > 0)
                StartPart();
            while (_inFlight.Count > 0)
                _uploaded.Add(await _inFlight.Dequeue().WaitAsync(cancellationToken).ConfigureAwait(false));
            var request = new CompleteMultipartUploadRequest
            {
                BucketName = bucket.Name,
                Key = key,
                UploadId = _uploadId,
                PartETags = _uploaded.OrderBy(part => part.PartNumber).ToList(),
            };
            await bucket.Retry.ExecuteAsync(S3RequestType.Put, "CompleteMultipartUpload", bucket.Name, key,
                token => bucket.Client.CompleteMultipartUploadAsync(request, token), cancellationToken).ConfigureAwait(false);
        }
        _completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        await _cancel.CancelAsync().ConfigureAwait(false);
        while (_inFlight.TryDequeue(out var part))
        {
            try
            {
                await part.ConfigureAwait(false);
            }
            catch
            {
                // Failed or cancelled: the abort below removes whatever the part left behind.
            }
        }
        if (!_completed && _uploadId is not null)
            await AbortUploadAsync().ConfigureAwait(false);
        _filling.Dispose();
        _cancel.Dispose();
    }

    private async Task PutWholeObjectAsync(CancellationToken cancellationToken)
    {
        await bucket.Retry.ExecuteAsync(S3RequestType.Put, "PutObject", bucket.Name, key, async token =>
        {
            var request = bucket.NewPut(key);
            request.InputStream = _filling.OpenRead();
            request.AutoCloseStream = true;
            await bucket.Client.PutObjectAsync(request, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask SendFullPartAsync(CancellationToken cancellationToken)
    {
        if (_uploadId is null)
        {
            var response = await bucket.Retry.ExecuteAsync(S3RequestType.Put, "CreateMultipartUpload", bucket.Name, key,
                token => bucket.Client.InitiateMultipartUploadAsync(bucket.NewMultipartUpload(key), token), cancellationToken).ConfigureAwait(false);
            _uploadId = response.UploadId;
        }
        // The oldest upload finishes first as a rule; waiting for it bounds the memory and surfaces its failure.
        while (_inFlight.Count >= MaxPartsInFlight)
            _uploaded.Add(await _inFlight.Dequeue().WaitAsync(cancellationToken).ConfigureAwait(false));
        StartPart();
    }

    private void StartPart()
    {
        var part = _filling;
        _filling = new PartBuffer();
        var partNumber = _uploaded.Count + _inFlight.Count + 1;
        _inFlight.Enqueue(UploadPartAsync(part, partNumber));
    }

    /// <summary>Runs on the writer's own token: a part keeps uploading while the caller moves on, until the writer is disposed.</summary>
    private async Task<PartETag> UploadPartAsync(PartBuffer part, int partNumber)
    {
        try
        {
            var response = await bucket.Retry.ExecuteAsync(S3RequestType.Put, $"UploadPart {partNumber}", bucket.Name, key, token =>
                bucket.Client.UploadPartAsync(bucket.NewUploadPart(key, _uploadId!, partNumber, part.Length, part.OpenRead()), token), _cancel.Token).ConfigureAwait(false);
            return new PartETag(partNumber, response.ETag);
        }
        finally
        {
            part.Dispose();
        }
    }

    /// <summary>
    /// Best effort: an abort that fails leaves an incomplete upload, which deleting the attempt's or
    /// the exchange's prefix aborts again (see <see cref="S3PrefixDeleter"/>).
    /// </summary>
    private async Task AbortUploadAsync()
    {
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
