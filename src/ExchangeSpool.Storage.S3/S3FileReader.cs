using System.Buffers;
using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.S3;

/// <summary>
/// Reads a completed object by ranged GETs of one window (the part size) into pooled arrays, with
/// the next window fetched in the background while the current one is consumed: block headers and
/// payloads are served from memory, a window a request, and a reader holds at most two windows.
/// A read larger than a window goes straight into the caller's buffer.
/// </summary>
internal sealed class S3FileReader : IStorageFileReader
{
    private readonly S3Bucket _bucket;
    private readonly string _key;
    private readonly int _windowSize;
    private readonly CancellationTokenSource _cancel = new();
    private Window? _current;
    private Task<Window>? _next;
    private long _nextStart;

    private S3FileReader(S3Bucket bucket, string key, int windowSize, Window first, long length)
    {
        _bucket = bucket;
        _key = key;
        _windowSize = windowSize;
        _current = first;
        Length = length;
        StartPrefetch();
    }

    public long Length { get; }

    /// <summary>Opens by fetching the first window, whose Content-Range gives the length: no HEAD request.</summary>
    public static async Task<S3FileReader> OpenAsync(S3Bucket bucket, string key, string name, CancellationToken cancellationToken)
    {
        var windowSize = (int)bucket.Options.PartSize;
        var buffer = ArrayPool<byte>.Shared.Rent(windowSize);
        try
        {
            var (count, length) = await bucket.Retry.ExecuteAsync(S3RequestType.Get, "GetObject", bucket.Name, key,
                token => GetAsync(bucket, key, 0, buffer.AsMemory(0, windowSize), token), cancellationToken).ConfigureAwait(false);
            return new S3FileReader(bucket, key, windowSize, new Window(0, buffer, count), length);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw new SpoolException(SpoolErrorReason.DataLoss, $"spool file {name} is missing from {bucket.Location}", e);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length && offset + total < Length)
        {
            var position = offset + total;
            var wanted = (int)Math.Min(buffer.Length - total, Length - position);
            if (_current is null || !_current.Contains(position))
            {
                if (wanted >= _windowSize && !(_next is not null && _nextStart == position))
                {
                    total += await FetchAsync(position, buffer.Slice(total, wanted), cancellationToken).ConfigureAwait(false);
                    continue;
                }
                await MoveToAsync(position, cancellationToken).ConfigureAwait(false);
            }
            total += _current!.CopyTo(position, buffer.Span.Slice(total, wanted));
        }
        return total;
    }

    public async ValueTask DisposeAsync()
    {
        await _cancel.CancelAsync().ConfigureAwait(false);
        await DropPrefetchAsync().ConfigureAwait(false);
        _current?.Dispose();
        _current = null;
        _cancel.Dispose();
    }

    private async Task MoveToAsync(long position, CancellationToken cancellationToken)
    {
        _current?.Dispose();
        _current = null;
        if (_next is not null && _nextStart == position)
        {
            var next = _next;
            _next = null;
            _current = await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await DropPrefetchAsync().ConfigureAwait(false);
            _current = await FetchWindowAsync(position, cancellationToken).ConfigureAwait(false);
        }
        StartPrefetch();
    }

    private void StartPrefetch()
    {
        var start = _current!.End;
        if (start >= Length)
            return;
        _nextStart = start;
        _next = FetchWindowAsync(start, _cancel.Token);
    }

    private async Task DropPrefetchAsync()
    {
        if (_next is not { } next)
            return;
        _next = null;
        try
        {
            (await next.ConfigureAwait(false)).Dispose();
        }
        catch
        {
            // A window nobody will read: its failure does not matter, a read that needs the range fetches it again.
        }
    }

    private async Task<Window> FetchWindowAsync(long start, CancellationToken cancellationToken)
    {
        var size = (int)Math.Min(_windowSize, Length - start);
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            return new Window(start, buffer, await FetchAsync(start, buffer.AsMemory(0, size), cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private async Task<int> FetchAsync(long start, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var (count, _) = await _bucket.Retry.ExecuteAsync(S3RequestType.Get, "GetObject", _bucket.Name, _key,
            token => GetAsync(_bucket, _key, start, destination, token), cancellationToken).ConfigureAwait(false);
        return count;
    }

    /// <summary>
    /// One ranged GET into <paramref name="destination"/>; returns the bytes read and the object's
    /// length. A body that ends early (a connection cut mid-read) throws an IOException, which the
    /// retry policy retries.
    /// </summary>
    private static async Task<(int Count, long Length)> GetAsync(S3Bucket bucket, string key, long start, Memory<byte> destination, CancellationToken cancellationToken)
    {
        using var response = await bucket.Client.GetObjectAsync(new GetObjectRequest
        {
            BucketName = bucket.Name,
            Key = key,
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

    private sealed class Window(long start, byte[] buffer, int count) : IDisposable
    {
        private byte[]? _buffer = buffer;

        public long End => start + count;

        public bool Contains(long position) => position >= start && position < End;

        public int CopyTo(long position, Span<byte> destination)
        {
            var from = (int)(position - start);
            var n = Math.Min(count - from, destination.Length);
            _buffer.AsSpan(from, n).CopyTo(destination);
            return n;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _buffer, null) is { } array)
                ArrayPool<byte>.Shared.Return(array);
        }
    }
}
