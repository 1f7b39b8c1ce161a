using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.S3;

/// <summary>
/// Reads a completed object by ranged GETs of one window (the part size); the windows, their
/// read-ahead and their place in the memory budget are <see cref="WindowedFileReader"/>'s.
/// An object shorter than the reader found it (replaced meanwhile) fails with DATA_LOSS naming it;
/// an empty one opens with length 0, for the caller to compare with what it expects.
/// </summary>
internal sealed class S3FileReader : WindowedFileReader
{
    private readonly S3Bucket _bucket;
    private readonly string _key;
    private readonly string _name;

    private S3FileReader(S3Bucket bucket, string key, string name)
        : base(bucket.Budget, (int)bucket.Options.PartSize)
    {
        _bucket = bucket;
        _key = key;
        _name = name;
    }

    /// <summary>Opens by fetching the first window, whose Content-Range gives the length: no HEAD request.</summary>
    public static Task<S3FileReader> OpenAsync(S3Bucket bucket, string key, string name, CancellationToken cancellationToken) =>
        OpenAsync(new S3FileReader(bucket, key, name), cancellationToken);

    protected override async Task<(int Count, long Length)> FetchFirstAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            return await _bucket.Retry.ExecuteAsync(S3RequestType.Get, "GetObject", _bucket.Name, _key,
                token => GetAsync(0, destination, token), cancellationToken, S3Answers.NotFound | S3Answers.RangeNotSatisfiable).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new SpoolException(SpoolErrorReason.DataLoss, $"spool file {_name} is missing from {_bucket.Location}", e);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // A range from byte 0 is unsatisfiable only for an empty object.
            return (0, 0);
        }
    }

    protected override async Task<int> FetchAsync(long start, Memory<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            var (count, length) = await _bucket.Retry.ExecuteAsync(S3RequestType.Get, "GetObject", _bucket.Name, _key,
                token => GetAsync(start, destination, token), cancellationToken, S3Answers.RangeNotSatisfiable).ConfigureAwait(false);
            if (length != Length)
                throw Shrunk($"is now {length} bytes");
            return count;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            throw Shrunk($"ends before byte {start}", e);
        }
    }

    private SpoolException Shrunk(string now, Exception? cause = null) =>
        new(SpoolErrorReason.DataLoss, $"s3://{_bucket.Name}/{_key} {now}, but was {Length} bytes when opened: it was replaced while being read", cause);

    /// <summary>
    /// One ranged GET into <paramref name="destination"/>; returns the bytes read and the object's
    /// length. A body that ends early (a connection cut mid-read) throws an IOException, which the
    /// retry policy retries.
    /// </summary>
    private async Task<(int Count, long Length)> GetAsync(long start, Memory<byte> destination, CancellationToken cancellationToken)
    {
        using var response = await _bucket.Client.GetObjectAsync(new GetObjectRequest
        {
            BucketName = _bucket.Name,
            Key = _key,
            ByteRange = new ByteRange(start, start + destination.Length - 1),
        }, cancellationToken).ConfigureAwait(false);
        var length = ObjectLength(response);
        var expected = (int)Math.Min(destination.Length, Math.Max(0, length - start));
        var read = await response.ResponseStream.ReadAtLeastAsync(destination[..expected], expected, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read < expected)
            throw new IOException($"the response ended after {read} of {expected} bytes");
        return (read, length);
    }

    /// <summary>The total from <c>Content-Range: bytes a-b/total</c>, or the body length when the server sent the whole object.</summary>
    private static long ObjectLength(GetObjectResponse response)
    {
        var range = response.ContentRange;
        var slash = range?.LastIndexOf('/') ?? -1;
        return slash >= 0 && long.TryParse(range.AsSpan(slash + 1), out var total)
            ? total
            : response.ContentLength;
    }
}
