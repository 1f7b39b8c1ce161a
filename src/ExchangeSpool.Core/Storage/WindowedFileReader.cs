using System.Buffers;
using ExchangeSpool.Core.Buffers;

namespace ExchangeSpool.Core.Storage;

/// <summary>
/// Reads a completed object of an object store by ranged requests of one window into pooled arrays,
/// with the next window fetched in the background while the current one is consumed: block headers
/// and payloads are served from memory, a window a request, and a reader holds at most two windows.
/// A read larger than a window goes straight into the caller's buffer. A backend supplies the two
/// requests; the first window is fetched when the file is opened (<see cref="OpenAsync{T}"/>), since its
/// answer also gives the object's length (no separate HEAD request).
/// <para>
/// Windows are read-ahead charged to the memory budget. A reader never waits for one: its caller
/// already holds a block buffer of the same budget, and readers waiting for windows while holding
/// blocks could wait on each other for ever. Without room for a window it reads what is asked
/// straight into the caller's buffer, a request a read, until memory is back.
/// </para>
/// </summary>
public abstract class WindowedFileReader(MemoryBudget budget, int windowSize) : IStorageFileReader
{
    private readonly CancellationTokenSource _cancel = new();
    private Window? _current;
    private Task<Window>? _next;
    private long _nextStart;

    public long Length { get; private set; }

    /// <summary>
    /// The ranged request for the object's first bytes: fills <paramref name="destination"/> (less
    /// only where the object ends) and returns the bytes read and the object's length; an empty
    /// object is (0, 0), a missing one a <see cref="SpoolException"/> with reason DATA_LOSS.
    /// </summary>
    protected abstract Task<(int Count, long Length)> FetchFirstAsync(Memory<byte> destination, CancellationToken cancellationToken);

    /// <summary>
    /// A ranged request that fills <paramref name="destination"/> from <paramref name="start"/> (less
    /// only where the object ends); a body that ends early throws, an object changed since it was
    /// opened is DATA_LOSS.
    /// </summary>
    protected abstract Task<int> FetchAsync(long start, Memory<byte> destination, CancellationToken cancellationToken);

    /// <summary>Opens <paramref name="reader"/> by fetching its first window; a reader whose open fails is disposed.</summary>
    protected static async Task<T> OpenAsync<T>(T reader, CancellationToken cancellationToken) where T : WindowedFileReader
    {
        try
        {
            await reader.FetchFirstWindowAsync(cancellationToken).ConfigureAwait(false);
            return reader;
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Fetches the first window (without memory for one, a single byte, which tells the length).</summary>
    private async Task FetchFirstWindowAsync(CancellationToken cancellationToken)
    {
        var first = Window.TryCreate(budget, 0, windowSize);
        var destination = first?.Memory ?? new byte[1];
        try
        {
            var (count, length) = await FetchFirstAsync(destination, cancellationToken).ConfigureAwait(false);
            Length = length;
            if (first is null)
                return;
            first.Filled(count);
            _current = first;
            StartPrefetch(first.End);
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
                if (!prefetched && (wanted >= windowSize || !await TryMoveToAsync(position, cancellationToken).ConfigureAwait(false)))
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
        GC.SuppressFinalize(this);
    }

    private async Task TakePrefetchAsync(CancellationToken cancellationToken)
    {
        _current?.Dispose();
        _current = null;
        var next = _next!;
        _next = null;
        _current = await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        StartPrefetch(_current.End);
    }

    /// <summary>Fetches the window at <paramref name="position"/>; false, holding no window, when the budget has no room for one.</summary>
    private async Task<bool> TryMoveToAsync(long position, CancellationToken cancellationToken)
    {
        _current?.Dispose();
        _current = null;
        await DropPrefetchAsync().ConfigureAwait(false);
        if (Window.TryCreate(budget, position, (int)Math.Min(windowSize, Length - position)) is not { } window)
            return false;
        _current = await FillAsync(window, cancellationToken).ConfigureAwait(false);
        StartPrefetch(_current.End);
        return true;
    }

    private void StartPrefetch(long start)
    {
        if (start >= Length || Window.TryCreate(budget, start, (int)Math.Min(windowSize, Length - start)) is not { } window)
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
            if (Interlocked.Exchange(ref _array, null) is { } array)
            {
                ArrayPool<byte>.Shared.Return(array);
                _budget.Release(_size, MemoryUse.ReadAhead);
            }
        }
    }
}
