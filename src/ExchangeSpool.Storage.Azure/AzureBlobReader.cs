using Azure;
using Azure.Storage.Blobs.Models;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.Azure;

/// <summary>
/// Reads a committed block blob by ranged Get Blob requests of one window (the block size), the next
/// window fetched while the current one is read. Every range after the first is conditional on the
/// first answer's ETag, so a blob replaced while it is read fails as data loss instead of mixing two
/// blobs' bytes.
/// </summary>
internal sealed class AzureBlobReader : WindowedFileReader
{
    private readonly AzureContainer _container;
    private readonly string _blob;
    private readonly string _name;
    private ETag _etag;

    private AzureBlobReader(AzureContainer container, string blob, string name)
        : base(container.Budget, (int)container.Options.BlockSize)
    {
        _container = container;
        _blob = blob;
        _name = name;
    }

    /// <summary>Opens by fetching the first window, whose Content-Range gives the length: no Get Blob Properties request.</summary>
    public static Task<AzureBlobReader> OpenAsync(AzureContainer container, string blob, string name, CancellationToken cancellationToken) =>
        OpenAsync(new AzureBlobReader(container, blob, name), cancellationToken);

    protected override async Task<(int Count, long Length)> FetchFirstAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            var (count, length, etag) = await _container.Requests.RunAsync("GetBlob", _container, _blob,
                token => GetAsync(_container, _blob, 0, destination, conditions: null, token), cancellationToken,
                expected: e => e.Status is 404 or 416).ConfigureAwait(false);
            _etag = etag;
            return (count, length);
        }
        catch (RequestFailedException e) when (e.Status == 416)
        {
            // A range from byte 0 is unsatisfiable only for an empty blob: its length is 0, which the caller compares with the manifest.
            return (0, 0);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new SpoolException(SpoolErrorReason.DataLoss,
                $"spool file {_name} is missing from {_container.Location} ({e.ErrorCode ?? "BlobNotFound"}: blob '{_blob}' in container '{_container.Name}')", e);
        }
    }

    protected override async Task<int> FetchAsync(long start, Memory<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            var (count, _, _) = await _container.Requests.RunAsync("GetBlob", _container, _blob,
                token => GetAsync(_container, _blob, start, destination, new BlobRequestConditions { IfMatch = _etag }, token), cancellationToken,
                expected: e => e.Status is 404 or 412 or 416).ConfigureAwait(false);
            return count;
        }
        catch (RequestFailedException e)
        {
            throw new SpoolException(SpoolErrorReason.DataLoss,
                $"spool file {_name} in {_container.Location} was deleted or replaced while it was read ({e.ErrorCode} (HTTP {e.Status}): blob '{_blob}' in container '{_container.Name}')", e);
        }
    }

    /// <summary>
    /// One ranged Get Blob into <paramref name="destination"/>; returns the bytes read, the blob's
    /// length and its ETag. The SDK resumes a body cut mid-read with a new ranged request; a body
    /// that still ends early throws.
    /// </summary>
    private static async Task<(int Count, long Length, ETag ETag)> GetAsync(AzureContainer container, string blob, long start, Memory<byte> destination,
        BlobRequestConditions? conditions, CancellationToken cancellationToken)
    {
        var response = await container.Blob(blob).DownloadStreamingAsync(new BlobDownloadOptions
        {
            Range = new HttpRange(start, destination.Length),
            Conditions = conditions,
        }, cancellationToken).ConfigureAwait(false);
        using var result = response.Value;
        var length = BlobLength(result.Details, start);
        var expected = (int)Math.Min(destination.Length, Math.Max(0, length - start));
        var read = await result.Content.ReadAtLeastAsync(destination[..expected], expected, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read < expected)
            throw new IOException($"the response ended after {read} of {expected} bytes");
        return (read, length, result.Details.ETag);
    }

    /// <summary>The total from <c>Content-Range: bytes a-b/total</c>, or the body length when the whole blob came back.</summary>
    private static long BlobLength(BlobDownloadDetails details, long start)
    {
        var range = details.ContentRange;
        var slash = range?.LastIndexOf('/') ?? -1;
        return slash >= 0 && long.TryParse(range.AsSpan(slash + 1), out var total)
            ? total
            : start + details.ContentLength;
    }
}
