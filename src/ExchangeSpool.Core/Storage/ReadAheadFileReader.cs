using System.Buffers;
using ExchangeSpool.Core.Buffers;

namespace ExchangeSpool.Core.Storage;

/// <summary>
/// Reads a completed file by ranged requests of one window into pooled arrays, with the next window
/// fetched in the background while the current one is consumed: block headers and payloads are
/// served from memory, a window a request, and a reader holds at most two windows. A read of a
/// window or more goes straight into the caller's buffer. Windows are charged to the memory budget
/// as read-ahead when there is one; when it has no room the reader does not wait (a source holding
/// read-ahead must not wait on read-ahead) but fetches what is asked for directly, without windows.
/// A backend supplies only the ranged request, <see cref="FetchAsync"/>.
/// </summary>
public abstract class ReadAheadFileReader : IStorageFileReader
{
    private readonly int _windowSize;
    private readonly MemoryBudget? _budget;
    private readonly CancellationTokenSource _cancel = new();
    private Window? _current;
    private Task<Window?>? _next;
    private long _nextStart;

    protected ReadAheadFileReader(long length, int windowSize, MemoryBudget? budget)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSize, 1);
        Length = length;
        _windowSize = windowSize;
        _budget = budget;
    }

    public long Length { get; }

    /// <summary>
    /// Fills <paramref name="destination"/> from <paramref name="start"/> (never past <see cref="Length"/>)
    /// with one ranged request, retried as the backend retries; a range that comes back short throws.
    /// </summary>
    protected abstract Task FetchAsync(long start, Memory<byte> destination, CancellationToken cancellationToken);

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
                if ((wanted >= _windowSize && !prefetched) || !await MoveToAsync(position, cancellationToken).ConfigureAwait(false))
                {
                    await FetchAsync(position, buffer.Slice(total, wanted), cancellationToken).ConfigureAwait(false);
                    total += wanted;
                    continue;
                }
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

    /// <summary>Makes the window starting at <paramref name="position"/> current; false when there is no memory for one.</summary>
    private async Task<bool> MoveToAsync(long position, CancellationToken cancellationToken)
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
        if (_current is null)
            return false;
        StartPrefetch();
        return true;
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
            (await next.ConfigureAwait(false))?.Dispose();
        }
        catch
        {
            // A window nobody will read: its failure does not matter, a read that needs the range fetches it again.
        }
    }

    /// <summary>A window from <paramref name="start"/>, or null when the budget has no room for it.</summary>
    private async Task<Window?> FetchWindowAsync(long start, CancellationToken cancellationToken)
    {
        var size = (int)Math.Min(_windowSize, Length - start);
        if (_budget is not null && !_budget.TryReserve(size, MemoryUse.ReadAhead))
            return null;
        var window = new Window(start, ArrayPool<byte>.Shared.Rent(size), size, _budget);
        try
        {
            await FetchAsync(start, window.Memory, cancellationToken).ConfigureAwait(false);
            return window;
        }
        catch
        {
            window.Dispose();
            throw;
        }
    }

    private sealed class Window(long start, byte[] buffer, int count, MemoryBudget? budget) : IDisposable
    {
        private byte[]? _buffer = buffer;

        public long End => start + count;

        public Memory<byte> Memory => _buffer.AsMemory(0, count);

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
            if (Interlocked.Exchange(ref _buffer, null) is not { } array)
                return;
            ArrayPool<byte>.Shared.Return(array);
            budget?.Release(count, MemoryUse.ReadAhead);
        }
    }
}
