using System.Numerics;

namespace ExchangeSpool.Core.Buffers;

/// <summary>
/// Power-of-two buffers from <see cref="MinPayloadSize"/> up to the largest page, charged to the
/// memory budget while rented and while parked here. Parked buffers are dropped whenever someone
/// waits for memory, so pooling never starves a waiter.
/// </summary>
public sealed class BufferPool
{
    public const int MinPayloadSize = 64 * 1024;

    private readonly MemoryBudget _budget;
    private readonly Stack<SpoolBuffer>[] _free;
    private readonly object _lock = new();
    private long _parkedBytes;

    public BufferPool(MemoryBudget budget, int maxPayloadSize)
    {
        _budget = budget;
        MaxPayloadSize = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(maxPayloadSize, MinPayloadSize));
        _free = new Stack<SpoolBuffer>[SizeClassOf(MaxPayloadSize) + 1];
        for (var i = 0; i < _free.Length; i++)
            _free[i] = new Stack<SpoolBuffer>();
    }

    public int MaxPayloadSize { get; }

    public MemoryBudget Budget => _budget;

    /// <summary>Bytes of free buffers kept for reuse (part of the budget's used bytes).</summary>
    public long ParkedBytes => Volatile.Read(ref _parkedBytes);

    public bool TryRent(int minPayload, out SpoolBuffer buffer)
    {
        var sizeClass = SizeClassOf(minPayload);
        if (TryTakeParked(sizeClass, out buffer))
            return true;
        var bytes = BytesOf(sizeClass);
        if (!_budget.TryReserve(bytes) && !(DropParked(bytes) && _budget.TryReserve(bytes)))
        {
            buffer = null!;
            return false;
        }
        buffer = new SpoolBuffer(PayloadSizeOf(sizeClass), sizeClass);
        return true;
    }

    public async ValueTask<SpoolBuffer> RentAsync(int minPayload, CancellationToken cancellationToken)
    {
        if (TryRent(minPayload, out var buffer))
            return buffer;
        var sizeClass = SizeClassOf(minPayload);
        await ReserveAsync(BytesOf(sizeClass), cancellationToken).ConfigureAwait(false);
        return new SpoolBuffer(PayloadSizeOf(sizeClass), sizeClass);
    }

    /// <summary>
    /// Two buffers that are needed together (a stored block and its decompressed form). Waiting for
    /// the second while holding the first could deadlock readers against each other once the budget
    /// is spent, so both are waited for as one reservation.
    /// </summary>
    public async ValueTask<(SpoolBuffer First, SpoolBuffer Second)> RentPairAsync(int firstMinPayload, int secondMinPayload, CancellationToken cancellationToken)
    {
        if (TryRent(firstMinPayload, out var first))
        {
            if (TryRent(secondMinPayload, out var second))
                return (first, second);
            Return(first);
        }
        var firstClass = SizeClassOf(firstMinPayload);
        var secondClass = SizeClassOf(secondMinPayload);
        await ReserveAsync(BytesOf(firstClass) + BytesOf(secondClass), cancellationToken).ConfigureAwait(false);
        return (new SpoolBuffer(PayloadSizeOf(firstClass), firstClass), new SpoolBuffer(PayloadSizeOf(secondClass), secondClass));
    }

    private async ValueTask ReserveAsync(long bytes, CancellationToken cancellationToken)
    {
        var reserved = _budget.ReserveAsync(bytes, cancellationToken);
        // A buffer parked after TryRent looked is memory this waiter may need: give it back now that we queue.
        if (!reserved.IsCompleted)
            DropParked(long.MaxValue);
        await reserved.ConfigureAwait(false);
    }

    public void Return(SpoolBuffer buffer)
    {
        buffer.Reset();
        if (_budget.HasWaiters)
            _budget.Release(buffer.Array.Length);
        else
        {
            lock (_lock)
            {
                _free[buffer.SizeClass].Push(buffer);
                _parkedBytes += buffer.Array.Length;
            }
        }
        // Checked again after parking: a waiter that queued meanwhile must not wait on parked memory.
        if (_budget.HasWaiters)
            DropParked(long.MaxValue);
    }

    /// <summary>The payload capacity a request for <paramref name="minPayload"/> bytes gets.</summary>
    public int CapacityFor(int minPayload) => PayloadSizeOf(SizeClassOf(minPayload));

    private bool TryTakeParked(int sizeClass, out SpoolBuffer buffer)
    {
        lock (_lock)
        {
            if (_free[sizeClass].TryPop(out buffer!))
            {
                _parkedBytes -= buffer.Array.Length;
                return true;
            }
        }
        return false;
    }

    /// <summary>Gives parked buffers back to the budget until at least <paramref name="wanted"/> bytes are freed.</summary>
    private bool DropParked(long wanted)
    {
        long freed = 0;
        lock (_lock)
        {
            for (var i = _free.Length - 1; i >= 0 && freed < wanted; i--)
            {
                while (freed < wanted && _free[i].TryPop(out var dropped))
                {
                    freed += dropped.Array.Length;
                    _parkedBytes -= dropped.Array.Length;
                }
            }
        }
        if (freed > 0)
            _budget.Release(freed);
        return freed > 0;
    }

    private int SizeClassOf(int minPayload)
    {
        if (minPayload > MaxPayloadSize)
            throw new ArgumentOutOfRangeException(nameof(minPayload), minPayload, $"larger than the largest buffer of {MaxPayloadSize} bytes");
        var size = (uint)Math.Max(minPayload, MinPayloadSize);
        return BitOperations.Log2(BitOperations.RoundUpToPowerOf2(size)) - BitOperations.Log2(MinPayloadSize);
    }

    private static int PayloadSizeOf(int sizeClass) => MinPayloadSize << sizeClass;

    private static long BytesOf(int sizeClass) => PayloadSizeOf(sizeClass) + SpoolBuffer.HeaderRoom;
}
