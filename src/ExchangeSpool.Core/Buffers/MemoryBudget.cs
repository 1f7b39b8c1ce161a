namespace ExchangeSpool.Core.Buffers;

/// <summary>
/// The one server-wide limit on bytes held by sink buffers and source read-ahead. Waiters are served
/// in arrival order, so a large request is not starved by a stream of small ones. A waiter for one
/// buffer may be handed a returned buffer of a size it takes instead of bytes: the array changes
/// owner rather than becoming garbage while a new one is allocated.
/// </summary>
public sealed class MemoryBudget
{
    private readonly object _lock = new();
    private readonly Queue<Waiter> _waiters = new();
    private long _used;

    public MemoryBudget(long limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
    }

    public long Limit { get; }

    public long Used => Volatile.Read(ref _used);

    /// <summary>True while some caller waits for memory; returned buffers then go back to the budget, not a pool.</summary>
    public bool HasWaiters
    {
        get { lock (_lock) return _waiters.Count > 0; }
    }

    public bool TryReserve(long bytes)
    {
        CheckRequest(bytes);
        lock (_lock)
        {
            if (_waiters.Count > 0 || _used + bytes > Limit)
                return false;
            _used += bytes;
            return true;
        }
    }

    public async ValueTask ReserveAsync(long bytes, CancellationToken cancellationToken) =>
        await ReserveOrTakeAsync(bytes, SizeClassRange.None, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Reserves <paramref name="bytes"/> (and returns null), or, while waiting, takes the first returned
    /// buffer whose size class is in <paramref name="takes"/> (and returns it; its bytes stay reserved).
    /// </summary>
    internal ValueTask<SpoolBuffer?> ReserveOrTakeAsync(long bytes, SizeClassRange takes, CancellationToken cancellationToken)
    {
        CheckRequest(bytes);
        Waiter waiter;
        lock (_lock)
        {
            if (_waiters.Count == 0 && _used + bytes <= Limit)
            {
                _used += bytes;
                return ValueTask.FromResult<SpoolBuffer?>(null);
            }
            waiter = new Waiter(bytes, takes);
            _waiters.Enqueue(waiter);
        }
        return new ValueTask<SpoolBuffer?>(WaitAsync(waiter, cancellationToken));
    }

    /// <summary>Gives <paramref name="buffer"/>, with its reserved bytes, to the first waiter if it takes that size; false if it does not.</summary>
    internal bool TryHandOver(SpoolBuffer buffer)
    {
        while (true)
        {
            Waiter? taker = null;
            lock (_lock)
            {
                if (TryPeekLiveWaiter(out var head) && head.Takes.Contains(buffer.SizeClass))
                    taker = _waiters.Dequeue();
            }
            if (taker is null)
                return false;
            // A waiter cancelled in the meantime does not take it; the next one may.
            if (taker.Completion.TrySetResult(buffer))
                return true;
        }
    }

    public void Release(long bytes)
    {
        List<Waiter>? granted = null;
        lock (_lock)
        {
            if (bytes > _used)
                throw new InvalidOperationException($"Memory budget asked to release {bytes} bytes but only {_used} are reserved.");
            _used -= bytes;
            while (TryPeekLiveWaiter(out var next))
            {
                if (_used + next.Bytes > Limit)
                    break;
                _waiters.Dequeue();
                _used += next.Bytes;
                (granted ??= []).Add(next);
            }
        }
        if (granted is null)
            return;
        // Completed outside the lock: continuations may run inline.
        foreach (var waiter in granted)
        {
            if (!waiter.Completion.TrySetResult(null))
                Release(waiter.Bytes);
        }
    }

    /// <summary>The first waiter not cancelled yet; cancelled ones ahead of it are dropped. Called under the lock.</summary>
    private bool TryPeekLiveWaiter(out Waiter waiter)
    {
        while (_waiters.TryPeek(out waiter!))
        {
            if (!waiter.Completion.Task.IsCompleted)
                return true;
            _waiters.Dequeue();
        }
        return false;
    }

    private async Task<SpoolBuffer?> WaitAsync(Waiter waiter, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(
            static state => ((Waiter)state!).Completion.TrySetCanceled(), waiter);
        try
        {
            return await waiter.Completion.Task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A cancelled waiter at the head may be blocking smaller requests behind it.
            Release(0);
            throw new OperationCanceledException(cancellationToken);
        }
    }

    private void CheckRequest(long bytes)
    {
        if (bytes < 0 || bytes > Limit)
            throw new SpoolException(SpoolErrorReason.MemoryExhausted,
                $"a buffer of {bytes} bytes cannot fit in the memory budget of {Limit} bytes (exchange.spool.memory-limit)");
    }

    private sealed class Waiter(long bytes, SizeClassRange takes)
    {
        public long Bytes { get; } = bytes;
        public SizeClassRange Takes { get; } = takes;
        public TaskCompletionSource<SpoolBuffer?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>The buffer size classes a waiter takes, smallest to largest; <see cref="None"/> takes no buffer, only bytes.</summary>
internal readonly record struct SizeClassRange(int Smallest, int Largest)
{
    public static SizeClassRange None => new(0, -1);

    public bool Contains(int sizeClass) => sizeClass >= Smallest && sizeClass <= Largest;
}
