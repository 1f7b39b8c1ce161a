using System.Buffers;
using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.S3;

/// <summary>
/// Reads a completed object by ranged GETs of one window (the part size) into pooled arrays, with
/// the next window fetched in the background while the current one is consumed: block headers and
/// payloads are served from memory, a window a request, and a reader holds at most two windows.
/// A read larger than a window goes straight into the caller's buffer.
/// <para>
/// Windows are read-ahead charged to the memory budget. A reader never waits for one: its caller
/// already holds a block buffer of the same budget, and readers waiting for windows while holding
/// blocks could wait on each other for ever. Without room for a window it reads what is asked
/// straight into the caller's buffer, a request a read, until memory is back.
/// </para>
/// <para>
/// An object shorter than the reader found it (replaced meanwhile) fails with DATA_LOSS naming it;
/// an empty one opens with length 0, for the caller to compare with what it expects.
/// </para>
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

    private S3FileReader(S3Bucket bucket, string key, int windowSize, Window? first, long length)
    {
        _bucket = bucket;
        _key = key;
        _windowSize = windowSize;
        _current = first;
        Length = length;
        if (first is not null)
            StartPrefetch(first.End);
    }

    public long Length { get; }

    /// <summary>Opens by fetching the first window, whose Content-Range gives the length: no HEAD request.</summary>
    public static async Task<S3FileReader> OpenAsync(S3Bucket bucket, string key, string name, CancellationToken cancellationToken)
    {
        var windowSize = (int)bucket.Options.PartSize;
        // Without memory for a window, one byte tells the length.
        var first = Window.TryCreate(bucket.Budget, 0, windowSize);
        var destination = first?.Memory ?? new byte[1];
        try
        {
            var (count, length) = await bucket.Retry.ExecuteAsync(S3RequestType.Get, "GetObject", bucket.Name, key,
                token => GetAsync(bucket, key, 0, destination, token), cancellationToken, S3Answers.NotFound | S3Answers.RangeNotSatisfiable).ConfigureAwait(false);
            first?.Filled(count);
            return new S3FileReader(bucket, key, windowSize, first, length);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            first?.Dispose();
            throw new SpoolException(SpoolErrorReason.DataLoss, $"spool file {name} is missing from {bucket.Location}", e);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // A range from byte 0 is unsatisfiable only for an empty object.
            first?.Dispose();
            return new S3FileReader(bucket, key, windowSize, first: null, length: 0);
        }
        catch
        {
            first?.Dispose();
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
                var prefetched = _next is not null && _nextStart == position;
                if (!prefetched && (wanted >= _windowSize || !await TryMoveToAsync(position, cancellationToken).ConfigureAwait(false)))
                {
                    total += await FetchAsync(position, buffer.Slice(total, wanted), cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (prefetched)
                    await TakePrefetchAsync(cancellationToken).ConfigureAwait(false);
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

    private async Task TakePrefetchAsync(CancellationToken cancellationToken)
    {
        _current?.Dispose();
        var next = _next!;
        _next = null;
        _current = null;
        _current = await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        StartPrefetch(_current.End);
    }

    /// <summary>Fetches the window at <paramref name="position"/>; false, holding no window, when the budget has no room for one.</summary>
    private async Task<bool> TryMoveToAsync(long position, CancellationToken cancellationToken)
    {
        _current?.Dispose();
        _current = null;
        await DropPrefetchAsync().ConfigureAwait(false);
        if (Window.TryCreate(_bucket.Budget, position, (int)Math.Min(_windowSize, Length - position)) is not { } window)
            return false;
        _current = await FillAsync(window, cancellationToken).ConfigureAwait(false);
        StartPrefetch(_current.End);
        return true;
    }

    private void StartPrefetch(long start)
    {
        if (start >= Length || Window.TryCreate(_bucket.Budget, start, (int)Math.Min(_windowSize, Length - start)) is not { } window)
            return;
        _nextStart = start;
        _next = FillAsync(window, _cancel.Token);
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

    private async Task<Window> FillAsync(Window window, CancellationToken cancellationToken)
    {
        try
        {
            window.Filled(await FetchAsync(window.Start, window.Memory, cancellationToken).ConfigureAwait(false));
            return window;
        }
        catch
        {
            window.Dispose();
            throw;
        }
    }

    private async Task<int> FetchAsync(long start, Memory<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            var (count, length) = await _bucket.Retry.ExecuteAsync(S3RequestType.Get, "GetObject", _bucket.Name, _key,
                token => GetAsync(_bucket, _key, start, destination, token), cancellationToken, S3Answers.RangeNotSatisfiable).ConfigureAwait(false);
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

    /// <summary>A pooled array holding the object's bytes from <see cref="Start"/>, its size charged to the budget as read-ahead while held.</summary>
    private sealed class Window : IDisposable
    {
        private readonly MemoryBudget _budget;
        private readonly int _size;
        private byte[]? _array;
        private int _count;

        private Window(MemoryBudget budget, long start, int size)
        {
            _budget = budget;
            _size = size;
            Start = start;
            _array = ArrayPool<byte>.Shared.Rent(size);
        }

        /// <summary>A window of <paramref name="size"/> bytes, or null when the budget's read-ahead share has no room for it (now, or ever).</summary>
        public static Window? TryCreate(MemoryBudget budget, long start, int size) =>
            size <= budget.ReadAheadLimit && budget.TryReserve(size, MemoryUse.ReadAhead) ? new Window(budget, start, size) : null;

        public long Start { get; }

        public long End => Start + _count;

        public Memory<byte> Memory => _array.AsMemory(0, _size);

        public void Filled(int count) => _count = count;

        public bool Contains(long position) => position >= Start && position < End;

        public int CopyTo(long position, Span<byte> destination)
        {
            var from = (int)(position - Start);
            var n = Math.Min(_count - from, destination.Length);
            _array.AsSpan(from, n).CopyTo(destination);
            return n;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is not { } array)
                return;
            ArrayPool<byte>.Shared.Return(array);
            _budget.Release(_size, MemoryUse.ReadAhead);
        }
    }
}
