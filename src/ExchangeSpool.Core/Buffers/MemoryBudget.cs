namespace ExchangeSpool.Core.Buffers;

/// <summary>
/// The one server-wide limit on bytes held by sink buffers and source read-ahead. Waiters are served
/// in arrival order, so a large request is not starved by a stream of small ones.
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

    public ValueTask ReserveAsync(long bytes, CancellationToken cancellationToken)
    {
        CheckRequest(bytes);
        Waiter waiter;
        lock (_lock)
        {
            if (_waiters.Count == 0 && _used + bytes <= Limit)
            {
                _used += bytes;
                return ValueTask.CompletedTask;
            }
            waiter = new Waiter(bytes);
            _waiters.Enqueue(waiter);
        }
        return new ValueTask(WaitAsync(waiter, cancellationToken));
    }

    public void Release(long bytes)
    {
        List<Waiter>? granted = null;
        lock (_lock)
        {
            if (bytes > _used)
                throw new InvalidOperationException($"Memory budget asked to release {bytes} bytes but only {_used} are reserved.");
            _used -= bytes;
            while (_waiters.TryPeek(out var next))
            {
                if (next.Completion.Task.IsCompleted)
                {
                    _waiters.Dequeue();
                    continue;
                }
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
            if (!waiter.Completion.TrySetResult())
                Release(waiter.Bytes);
        }
    }

    private async Task WaitAsync(Waiter waiter, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(
            static state => ((Waiter)state!).Completion.TrySetCanceled(), waiter);
        try
        {
            await waiter.Completion.Task.ConfigureAwait(false);
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
            throw new SpoolException(SpoolErrorCode.ResourceExhausted,
                $"a buffer of {bytes} bytes cannot fit in the memory budget of {Limit} bytes (exchange.spool.memory-limit)");
    }

    private sealed class Waiter(long bytes)
    {
        public long Bytes { get; } = bytes;
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
