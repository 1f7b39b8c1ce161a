using System.Buffers;

namespace ExchangeSpool.Core.Storage;

/// <summary>
/// Reads a completed object of an object store by ranged requests of one window into pooled arrays,
/// with the next window fetched in the background while the current one is consumed: block headers
/// and payloads are served from memory, a window a request, and a reader holds at most two windows.
/// A read larger than a window goes straight into the caller's buffer. A backend supplies the
/// ranged request; the first window is fetched when the file is opened, since its answer also
/// gives the object's length (no separate HEAD request).
/// </summary>
public abstract class WindowedFileReader : IStorageFileReader
{
    private readonly int _windowSize;
    private readonly CancellationTokenSource _cancel = new();
    private Window? _current;
    private Task<Window>? _next;
    private long _nextStart;
    private bool _prefetchStarted;

    /// <param name="firstWindow">A pooled array (<see cref="ArrayPool{T}.Shared"/>) holding the file's first bytes; the reader returns it.</param>
    protected WindowedFileReader(int windowSize, long length, byte[] firstWindow, int firstCount)
    {
        _windowSize = windowSize;
        _current = new Window(0, firstWindow, firstCount);
        Length = length;
    }

    public long Length { get; }

    /// <summary>
    /// One ranged request that fills <paramref name="destination"/> from <paramref name="start"/>
    /// (less only where the file ends); a body that ends early must throw, so that it is retried.
    /// </summary>
    protected abstract Task<int> FetchAsync(long start, Memory<byte> destination, CancellationToken cancellationToken);

    public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (!_prefetchStarted)
        {
            _prefetchStarted = true;
            StartPrefetch();
        }
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
        GC.SuppressFinalize(this);
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
