using System.Numerics;

namespace ExchangeSpool.Core.Buffers;

/// <summary>
/// Power-of-two buffers from <see cref="MinPayloadSize"/> up to the largest page, charged to the
/// memory budget while rented (as the <see cref="MemoryUse"/> they were rented for) and while parked
/// here. Whenever someone waits for memory, returned and parked buffers go to the waiter if it takes
/// their size, or else back to the budget, so pooling never starves a waiter. Handing arrays over rather than dropping them is what keeps the process's
/// heap near the budget under pressure: a dropped array of 128 KiB or more stays on the large object
/// heap until a full collection, while its bytes are already lent again.
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
        MaxPayloadSize = RoundedPayloadSize(maxPayloadSize);
        _free = new Stack<SpoolBuffer>[SizeClassOf(MaxPayloadSize) + 1];
        for (var i = 0; i < _free.Length; i++)
            _free[i] = new Stack<SpoolBuffer>();
    }

    public int MaxPayloadSize { get; }

    /// <summary>The most one rent from a pool of <paramref name="maxPayloadSize"/> may charge: a pair of its largest buffers.</summary>
    public static long LargestRequestFor(int maxPayloadSize) => 2L * (RoundedPayloadSize(maxPayloadSize) + SpoolBuffer.HeaderRoom);

    private static int RoundedPayloadSize(int payloadSize) =>
        (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(payloadSize, MinPayloadSize));

    public MemoryBudget Budget => _budget;

    /// <summary>Bytes of free buffers kept for reuse (part of the budget's used bytes).</summary>
    public long ParkedBytes => Volatile.Read(ref _parkedBytes);

    public bool TryRent(MemoryUse use, int minPayload, out SpoolBuffer buffer) => TryRent(use, minPayload, minPayload, out buffer);

    /// <summary>
    /// A buffer of <paramref name="preferredPayload"/>'s size class, or, when the budget has no room for
    /// one, a parked buffer of another size that holds at least <paramref name="minPayload"/> bytes
    /// (memory already held beats converting it), or, last, a new one after dropping parked buffers
    /// too small for the request.
    /// </summary>
    public bool TryRent(MemoryUse use, int minPayload, int preferredPayload, out SpoolBuffer buffer) =>
        TryRent(RequestOf(use, minPayload, preferredPayload), out buffer);

    /// <summary>As <see cref="TryRent(int, int, out SpoolBuffer)"/> but never drops parked buffers: for a request that is only worth it when memory is spare, such as growing a buffer.</summary>
    public bool TryRentSpare(MemoryUse use, int payload, out SpoolBuffer buffer) => TryRentHeld(RequestOf(use, payload, payload), out buffer);

    public ValueTask<SpoolBuffer> RentAsync(MemoryUse use, int minPayload, CancellationToken cancellationToken) =>
        RentAsync(use, minPayload, minPayload, cancellationToken);

    /// <summary>As <see cref="TryRent(int, int, out SpoolBuffer)"/>, waiting when that fails; a waiter takes any returned buffer of at least <paramref name="minPayload"/> bytes.</summary>
    public async ValueTask<SpoolBuffer> RentAsync(MemoryUse use, int minPayload, int preferredPayload, CancellationToken cancellationToken)
    {
        var request = RequestOf(use, minPayload, preferredPayload);
        if (TryRent(request, out var buffer))
            return buffer;
        var takes = new SizeClassRange(request.Smallest, _free.Length - 1);
        return await ReserveAsync(BytesOf(request.Preferred), use, takes, cancellationToken).ConfigureAwait(false)
            ?? new SpoolBuffer(PayloadSizeOf(request.Preferred), request.Preferred, use);
    }

    private bool TryRent(Request request, out SpoolBuffer buffer) =>
        TryRentHeld(request, out buffer) || TryRentByDropping(request.Use, request.Preferred, out buffer);

    /// <summary>A parked buffer of the preferred size, a new one if the budget has room, or a parked one of another size that fits.</summary>
    private bool TryRentHeld(Request request, out SpoolBuffer buffer)
    {
        var (use, smallest, preferred) = request;
        if (TryTakeParked(use, preferred, preferred, out buffer))
            return true;
        if (_budget.TryReserve(BytesOf(preferred), use))
        {
            buffer = new SpoolBuffer(PayloadSizeOf(preferred), preferred, use);
            return true;
        }
        // Nearest the preferred size first: below it the largest, above it the smallest.
        return TryTakeParked(use, smallest, preferred - 1, out buffer) || TryTakeParked(use, preferred + 1, _free.Length - 1, out buffer, smallestFirst: true);
    }

    private bool TryRentByDropping(MemoryUse use, int sizeClass, out SpoolBuffer buffer)
    {
        var bytes = BytesOf(sizeClass);
        if (!(_budget.WantsOnlyFreeMemory(bytes, use) && DropParked(bytes) && _budget.TryReserve(bytes, use)))
        {
            buffer = null!;
            return false;
        }
        buffer = new SpoolBuffer(PayloadSizeOf(sizeClass), sizeClass, use);
        return true;
    }

    /// <summary>
    /// Two buffers that are needed together (a stored block and its decompressed form). Waiting for
    /// the second while holding the first could deadlock readers against each other once the budget
    /// is spent, so both are waited for as one reservation.
    /// </summary>
    public async ValueTask<(SpoolBuffer First, SpoolBuffer Second)> RentPairAsync(MemoryUse use, int firstMinPayload, int secondMinPayload, CancellationToken cancellationToken)
    {
        if (TryRent(use, firstMinPayload, out var first))
        {
            if (TryRent(use, secondMinPayload, out var second))
                return (first, second);
            Return(first);
        }
        var firstClass = SizeClassOf(firstMinPayload);
        var secondClass = SizeClassOf(secondMinPayload);
        await ReserveAsync(BytesOf(firstClass) + BytesOf(secondClass), use, SizeClassRange.None, cancellationToken).ConfigureAwait(false);
        return (new SpoolBuffer(PayloadSizeOf(firstClass), firstClass, use), new SpoolBuffer(PayloadSizeOf(secondClass), secondClass, use));
    }

    private async ValueTask<SpoolBuffer?> ReserveAsync(long bytes, MemoryUse use, SizeClassRange takes, CancellationToken cancellationToken)
    {
        var reserved = _budget.ReserveOrTakeAsync(bytes, use, takes, cancellationToken);
        // A buffer parked after TryRent looked is memory this waiter may need: give it out now that we queue.
        if (!reserved.IsCompleted)
            GiveParkedToWaiters();
        return await reserved.ConfigureAwait(false);
    }

    public void Return(SpoolBuffer buffer)
    {
        buffer.Reset();
        if (_budget.HasWaitersServedBy(buffer.Use))
            GiveToWaiter(buffer);
        else
        {
            _budget.Park(buffer.Array.Length, buffer.Use);
            lock (_lock)
            {
                _free[buffer.SizeClass].Push(buffer);
                _parkedBytes += buffer.Array.Length;
            }
        }
        // Checked again after parking: a waiter that queued meanwhile must not wait on parked memory.
        GiveParkedToWaiters();
    }

    /// <summary>The payload capacity a request for <paramref name="minPayload"/> bytes gets.</summary>
    public int CapacityFor(int minPayload) => PayloadSizeOf(SizeClassOf(minPayload));

    /// <summary>
    /// Takes a parked buffer of a size class in [smallest, largest] for <paramref name="use"/>, the
    /// largest first unless <paramref name="smallestFirst"/>; none when read-ahead has no room for it.
    /// </summary>
    private bool TryTakeParked(MemoryUse use, int smallest, int largest, out SpoolBuffer buffer, bool smallestFirst = false)
    {
        lock (_lock)
        {
            for (var i = 0; i <= largest - smallest; i++)
            {
                var sizeClass = smallestFirst ? smallest + i : largest - i;
                if (_free[sizeClass].TryPeek(out buffer!) && _budget.TryUnpark(buffer.Array.Length, use))
                {
                    _free[sizeClass].Pop();
                    _parkedBytes -= buffer.Array.Length;
                    buffer.Use = use;
                    return true;
                }
            }
        }
        buffer = null!;
        return false;
    }

    /// <summary>Gives parked buffers back to the budget until at least <paramref name="wanted"/> bytes are freed.</summary>
    private bool DropParked(long wanted)
    {
        long freed = 0;
        while (freed < wanted && TryTakeParked(MemoryUse.SinkBuffers, 0, _free.Length - 1, out var dropped))
            freed += dropped.Array.Length;
        if (freed > 0)
            _budget.Release(freed, MemoryUse.SinkBuffers);
        return freed > 0;
    }

    /// <summary>
    /// Parked buffers go to waiters that take their size, or back to the budget, while anyone waits
    /// whom that serves: a read-ahead waiter held back by its limit is not, and dropping arrays for it
    /// would only make garbage.
    /// </summary>
    private void GiveParkedToWaiters()
    {
        while (_budget.HasWaitersServedBy(MemoryUse.SinkBuffers) && TryTakeParked(MemoryUse.SinkBuffers, 0, _free.Length - 1, out var parked))
            GiveToWaiter(parked);
    }

    private void GiveToWaiter(SpoolBuffer buffer)
    {
        if (!_budget.TryHandOver(buffer))
            _budget.Release(buffer.Array.Length, buffer.Use);
    }

    private int SizeClassOf(int minPayload)
    {
        if (minPayload > MaxPayloadSize)
            throw new ArgumentOutOfRangeException(nameof(minPayload), minPayload, $"larger than the largest buffer of {MaxPayloadSize} bytes");
        var size = (uint)Math.Max(minPayload, MinPayloadSize);
        return BitOperations.Log2(BitOperations.RoundUpToPowerOf2(size)) - BitOperations.Log2(MinPayloadSize);
    }

    /// <summary>A rent: what it is for, the smallest size class that holds its minimum, and the one to allocate.</summary>
    private readonly record struct Request(MemoryUse Use, int Smallest, int Preferred);

    private Request RequestOf(MemoryUse use, int minPayload, int preferredPayload) =>
        new(use, SizeClassOf(minPayload), SizeClassOf(Math.Max(minPayload, preferredPayload)));

    private static int PayloadSizeOf(int sizeClass) => MinPayloadSize << sizeClass;

    private static long BytesOf(int sizeClass) => PayloadSizeOf(sizeClass) + SpoolBuffer.HeaderRoom;
}
