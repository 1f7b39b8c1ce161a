namespace ExchangeSpool.Core.Buffers;

/// <summary>
/// The one server-wide limit on bytes held by sink buffers and source read-ahead. Read-ahead may hold
/// at most <see cref="ReadAheadLimit"/>, so sinks always have the rest to themselves; sinks may use
/// the whole budget. Waiters are served in arrival order across both uses, so a large request is not
/// starved by a stream of small ones, except that a read-ahead waiter held back only by the
/// read-ahead limit lets sinks pass: memory sinks free cannot serve it. A waiter for one buffer may
/// be handed a returned buffer of a size it takes instead of bytes: the array changes owner rather
/// than becoming garbage while a new one is allocated.
/// </summary>
public sealed class MemoryBudget
{
    private readonly object _lock = new();
    private readonly Queue<Waiter> _sinkWaiters = new();
    private readonly Queue<Waiter> _readAheadWaiters = new();
    private long _used;
    private long _readAheadUsed;
    private long _arrivals;

    /// <summary>A budget without a separate read-ahead limit.</summary>
    public MemoryBudget(long limit)
        : this(limit, limit)
    {
    }

    public MemoryBudget(long limit, long readAheadLimit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(readAheadLimit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(readAheadLimit, limit);
        Limit = limit;
        ReadAheadLimit = readAheadLimit;
    }

    /// <summary>
    /// The server's budget: read-ahead may hold half of it, or one largest read if that is more, and
    /// the rest is the sinks'. Half because a source's read-ahead is bounded per stream (a few blocks)
    /// while sinks need a buffer per partition: this leaves read-ahead room for dozens of streams and
    /// sinks the larger, guaranteed part.
    /// </summary>
    public static MemoryBudget HalfReservedForSinks(long limit, long largestRead) =>
        new(limit, Math.Min(limit, Math.Max(limit / 2, largestRead)));

    public long Limit { get; }

    /// <summary>The most read-ahead may hold; <see cref="Limit"/> minus this is reserved for sinks.</summary>
    public long ReadAheadLimit { get; }

    /// <summary>Every byte charged: rented buffers of both uses and buffers parked in the pool.</summary>
    public long Used => Volatile.Read(ref _used);

    public long ReadAheadUsed => Volatile.Read(ref _readAheadUsed);

    /// <summary>Raised, outside any lock, each time a request queues because there is no memory for it now.</summary>
    internal event Action? Waiting;

    /// <summary>True while some caller waits for memory.</summary>
    public bool HasWaiters
    {
        get
        {
            lock (_lock)
                return TryPeekLiveWaiter(_sinkWaiters, out _) || TryPeekLiveWaiter(_readAheadWaiters, out _);
        }
    }

    /// <summary>Callers waiting for memory now (sink buffers and read-ahead), for the metrics.</summary>
    public int WaiterCount
    {
        get
        {
            lock (_lock)
                return LiveCount(_sinkWaiters) + LiveCount(_readAheadWaiters);
        }
    }

    /// <summary>Bytes the callers waiting now asked for: what taking memory back from stalled streams should aim at.</summary>
    internal long WaitingBytes
    {
        get
        {
            lock (_lock)
                return LiveBytes(_sinkWaiters) + LiveBytes(_readAheadWaiters);
        }
    }

    /// <summary>
    /// True when a waiter exists that memory coming back from <paramref name="use"/> can serve (parked
    /// memory counts as sink memory: it is no read-ahead's): a read-ahead waiter held back by the
    /// read-ahead limit gains nothing from a sink buffer.
    /// </summary>
    internal bool HasWaitersServedBy(MemoryUse use)
    {
        lock (_lock)
        {
            if (TryPeekLiveWaiter(_sinkWaiters, out _))
                return true;
            return TryPeekLiveWaiter(_readAheadWaiters, out var waiter)
                && (use == MemoryUse.ReadAhead || FitsReadAheadLimit(waiter.Bytes));
        }
    }

    public bool TryReserve(long bytes, MemoryUse use)
    {
        CheckRequest(bytes, use);
        lock (_lock)
        {
            if (!CanServeNow(bytes, use))
                return false;
            Charge(bytes, use);
            return true;
        }
    }

    /// <summary>
    /// True when only a lack of free memory keeps <paramref name="bytes"/> of <paramref name="use"/>
    /// from being reserved: nobody it must queue behind is waiting and its use's limit has room, so
    /// freeing parked memory would let it through.
    /// </summary>
    internal bool WantsOnlyFreeMemory(long bytes, MemoryUse use)
    {
        lock (_lock)
            return !MustQueue(use) && (use == MemoryUse.SinkBuffers || FitsReadAheadLimit(bytes));
    }

    public async ValueTask ReserveAsync(long bytes, MemoryUse use, CancellationToken cancellationToken) =>
        await ReserveOrTakeAsync(bytes, use, SizeClassRange.None, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Reserves <paramref name="bytes"/> (and returns null), or, while waiting, takes the first returned
    /// buffer whose size class is in <paramref name="takes"/> (and returns it; its bytes stay reserved).
    /// </summary>
    internal ValueTask<SpoolBuffer?> ReserveOrTakeAsync(long bytes, MemoryUse use, SizeClassRange takes, CancellationToken cancellationToken)
    {
        CheckRequest(bytes, use);
        Waiter waiter;
        lock (_lock)
        {
            if (CanServeNow(bytes, use))
            {
                Charge(bytes, use);
                return ValueTask.FromResult<SpoolBuffer?>(null);
            }
            waiter = new Waiter(bytes, use, takes, ++_arrivals);
            QueueOf(use).Enqueue(waiter);
        }
        Waiting?.Invoke();
        return new ValueTask<SpoolBuffer?>(WaitAsync(waiter, cancellationToken));
    }

    /// <summary>
    /// Gives <paramref name="buffer"/>, with its reserved bytes, to the next waiter if it takes that
    /// size; false if it does not. The bytes move to the waiter's use.
    /// </summary>
    internal bool TryHandOver(SpoolBuffer buffer)
    {
        long bytes = buffer.Array.Length;
        lock (_lock)
        {
            while (TryPeekNext(buffer, out var next) && next.Takes.Contains(buffer.SizeClass))
            {
                QueueOf(next.Use).Dequeue();
                // Completed under the lock: continuations run asynchronously, and the bytes change use only if it was taken.
                if (!next.Completion.TrySetResult(buffer))
                    continue;
                Uncharge(bytes, buffer.Use);
                Charge(bytes, next.Use);
                buffer.Use = next.Use;
                return true;
            }
        }
        return false;
    }

    public void Release(long bytes, MemoryUse use)
    {
        lock (_lock)
        {
            if (bytes > _used || (use == MemoryUse.ReadAhead && bytes > _readAheadUsed))
                throw new InvalidOperationException($"Memory budget asked to release {bytes} bytes of {use} but only {(use == MemoryUse.ReadAhead ? _readAheadUsed : _used)} are reserved.");
            Uncharge(bytes, use);
            GrantWaiters();
        }
    }

    /// <summary>A buffer of <paramref name="use"/> parked in the pool: its bytes stay charged but no longer count as that use.</summary>
    internal void Park(long bytes, MemoryUse use)
    {
        if (use != MemoryUse.ReadAhead)
            return;
        lock (_lock)
        {
            _readAheadUsed -= bytes;
            GrantWaiters();
        }
    }

    /// <summary>A parked buffer taken for <paramref name="use"/>; false when read-ahead has no room for it.</summary>
    internal bool TryUnpark(long bytes, MemoryUse use)
    {
        if (use != MemoryUse.ReadAhead)
            return true;
        lock (_lock)
        {
            if (!FitsReadAheadLimit(bytes))
                return false;
            _readAheadUsed += bytes;
            return true;
        }
    }

    /// <summary>Serves waiters in arrival order while memory allows. Called under the lock.</summary>
    private void GrantWaiters()
    {
        while (TryPeekNext(null, out var next) && _used + next.Bytes <= Limit)
        {
            QueueOf(next.Use).Dequeue();
            if (next.Completion.TrySetResult(null))
                Charge(next.Bytes, next.Use);
        }
    }

    /// <summary>
    /// The waiter to serve next: the earlier of the two queues' heads, the read-ahead head only if the
    /// read-ahead limit has room for what serving it adds (its request, or the bytes of
    /// <paramref name="handedOver"/> unless they were read-ahead already).
    /// </summary>
    private bool TryPeekNext(SpoolBuffer? handedOver, out Waiter next)
    {
        var hasSink = TryPeekLiveWaiter(_sinkWaiters, out var sink);
        var hasReadAhead = TryPeekLiveWaiter(_readAheadWaiters, out var readAhead) && FitsReadAheadLimit(ReadAheadGrowth(readAhead, handedOver));
        next = (hasSink, hasReadAhead) switch
        {
            (true, true) => sink.Arrival < readAhead.Arrival ? sink : readAhead,
            (true, false) => sink,
            (false, true) => readAhead,
            _ => null!,
        };
        return next is not null;
    }

    private static long ReadAheadGrowth(Waiter waiter, SpoolBuffer? handedOver) =>
        handedOver is null ? waiter.Bytes : handedOver.Use == MemoryUse.ReadAhead ? 0 : handedOver.Array.Length;

    /// <summary>A request may be served at once when nobody it must queue behind is waiting and the memory is there.</summary>
    private bool CanServeNow(long bytes, MemoryUse use) =>
        _used + bytes <= Limit && (use == MemoryUse.SinkBuffers || FitsReadAheadLimit(bytes)) && !MustQueue(use);

    /// <summary>A waiter that would be served next, or for read-ahead any read-ahead waiter, comes first.</summary>
    private bool MustQueue(MemoryUse use) =>
        TryPeekNext(null, out _) || (use == MemoryUse.ReadAhead && TryPeekLiveWaiter(_readAheadWaiters, out _));

    private bool FitsReadAheadLimit(long bytes) => _readAheadUsed + bytes <= ReadAheadLimit;

    private void Charge(long bytes, MemoryUse use)
    {
        _used += bytes;
        if (use == MemoryUse.ReadAhead)
            _readAheadUsed += bytes;
    }

    private void Uncharge(long bytes, MemoryUse use)
    {
        _used -= bytes;
        if (use == MemoryUse.ReadAhead)
            _readAheadUsed -= bytes;
    }

    private Queue<Waiter> QueueOf(MemoryUse use) => use == MemoryUse.ReadAhead ? _readAheadWaiters : _sinkWaiters;

    /// <summary>The first waiter of <paramref name="queue"/> not cancelled yet; cancelled ones ahead of it are dropped. Called under the lock.</summary>
    private static bool TryPeekLiveWaiter(Queue<Waiter> queue, out Waiter waiter)
    {
        while (queue.TryPeek(out waiter!))
        {
            if (!waiter.Completion.Task.IsCompleted)
                return true;
            queue.Dequeue();
        }
        return false;
    }

    private static int LiveCount(Queue<Waiter> queue)
    {
        var count = 0;
        foreach (var waiter in queue)
        {
            if (!waiter.Completion.Task.IsCompleted)
                count++;
        }
        return count;
    }

    private static long LiveBytes(Queue<Waiter> queue)
    {
        long bytes = 0;
        foreach (var waiter in queue)
        {
            if (!waiter.Completion.Task.IsCompleted)
                bytes += waiter.Bytes;
        }
        return bytes;
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
            // A cancelled waiter at the head may be holding back requests behind it.
            lock (_lock)
                GrantWaiters();
            throw new OperationCanceledException(cancellationToken);
        }
    }

    private void CheckRequest(long bytes, MemoryUse use)
    {
        var limit = use == MemoryUse.ReadAhead ? ReadAheadLimit : Limit;
        if (bytes < 0 || bytes > limit)
            throw new SpoolException(SpoolErrorReason.MemoryExhausted,
                $"a buffer of {bytes} bytes cannot fit in the memory budget's {(use == MemoryUse.ReadAhead ? $"read-ahead share of {limit}" : limit)} bytes (exchange.spool.memory-limit)");
    }

    private sealed class Waiter(long bytes, MemoryUse use, SizeClassRange takes, long arrival)
    {
        public long Bytes { get; } = bytes;
        public MemoryUse Use { get; } = use;
        public SizeClassRange Takes { get; } = takes;
        /// <summary>Order of arrival across both queues.</summary>
        public long Arrival { get; } = arrival;
        public TaskCompletionSource<SpoolBuffer?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>The buffer size classes a waiter takes, smallest to largest; <see cref="None"/> takes no buffer, only bytes.</summary>
internal readonly record struct SizeClassRange(int Smallest, int Largest)
{
    public static SizeClassRange None => new(0, -1);

    public bool Contains(int sizeClass) => sizeClass >= Smallest && sizeClass <= Largest;
}
