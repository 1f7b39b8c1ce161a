using System.Numerics;

namespace ExchangeSpool.Core.Buffers;

/// <summary>
/// Power-of-two buffers from <see cref="MinPayloadSize"/> up to the largest page, charged to the
/// memory budget while rented and while parked here. Whenever someone waits for memory, returned and
/// parked buffers go to the waiter if it takes their size, or else back to the budget, so pooling
/// never starves a waiter. Handing arrays over rather than dropping them is what keeps the process's
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
        MaxPayloadSize = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(maxPayloadSize, MinPayloadSize));
        _free = new Stack<SpoolBuffer>[SizeClassOf(MaxPayloadSize) + 1];
        for (var i = 0; i < _free.Length; i++)
            _free[i] = new Stack<SpoolBuffer>();
    }

    public int MaxPayloadSize { get; }

    public MemoryBudget Budget => _budget;

    /// <summary>Bytes of free buffers kept for reuse (part of the budget's used bytes).</summary>
    public long ParkedBytes => Volatile.Read(ref _parkedBytes);

    public bool TryRent(int minPayload, out SpoolBuffer buffer) => TryRent(minPayload, minPayload, out buffer);

    /// <summary>
    /// A buffer of <paramref name="preferredPayload"/>'s size class, or, when the budget has no room for
    /// one, a parked buffer of another size that holds at least <paramref name="minPayload"/> bytes
    /// (memory already held beats converting it), or, last, a new one after dropping parked buffers
    /// too small for the request.
    /// </summary>
    public bool TryRent(int minPayload, int preferredPayload, out SpoolBuffer buffer) =>
        TryRent(RequestOf(minPayload, preferredPayload), out buffer);

    /// <summary>As <see cref="TryRent(int, int, out SpoolBuffer)"/> but never drops parked buffers: for a request that is only worth it when memory is spare, such as growing a buffer.</summary>
    public bool TryRentSpare(int payload, out SpoolBuffer buffer) => TryRentHeld(RequestOf(payload, payload), out buffer);

    public ValueTask<SpoolBuffer> RentAsync(int minPayload, CancellationToken cancellationToken) =>
        RentAsync(minPayload, minPayload, cancellationToken);

    /// <summary>As <see cref="TryRent(int, int, out SpoolBuffer)"/>, waiting when that fails; a waiter takes any returned buffer of at least <paramref name="minPayload"/> bytes.</summary>
    public async ValueTask<SpoolBuffer> RentAsync(int minPayload, int preferredPayload, CancellationToken cancellationToken)
    {
        var request = RequestOf(minPayload, preferredPayload);
        if (TryRent(request, out var buffer))
            return buffer;
        var takes = new SizeClassRange(request.Smallest, _free.Length - 1);
        return await ReserveAsync(BytesOf(request.Preferred), takes, cancellationToken).ConfigureAwait(false)
            ?? new SpoolBuffer(PayloadSizeOf(request.Preferred), request.Preferred);
    }

    private bool TryRent(Request request, out SpoolBuffer buffer) =>
        TryRentHeld(request, out buffer) || TryRentByDropping(request.Preferred, out buffer);

    /// <summary>A parked buffer of the preferred size, a new one if the budget has room, or a parked one of another size that fits.</summary>
    private bool TryRentHeld(Request request, out SpoolBuffer buffer)
    {
        var (smallest, preferred) = request;
        if (TryTakeParked(preferred, preferred, out buffer))
            return true;
        if (_budget.TryReserve(BytesOf(preferred)))
        {
            buffer = new SpoolBuffer(PayloadSizeOf(preferred), preferred);
            return true;
        }
        // Nearest the preferred size first: below it the largest, above it the smallest.
        return TryTakeParked(smallest, preferred - 1, out buffer) || TryTakeParked(preferred + 1, _free.Length - 1, out buffer, smallestFirst: true);
    }

    private bool TryRentByDropping(int sizeClass, out SpoolBuffer buffer)
    {
        var bytes = BytesOf(sizeClass);
        if (!(DropParked(bytes) && _budget.TryReserve(bytes)))
        {
            buffer = null!;
            return false;
        }
        buffer = new SpoolBuffer(PayloadSizeOf(sizeClass), sizeClass);
        return true;
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
        await ReserveAsync(BytesOf(firstClass) + BytesOf(secondClass), SizeClassRange.None, cancellationToken).ConfigureAwait(false);
        return (new SpoolBuffer(PayloadSizeOf(firstClass), firstClass), new SpoolBuffer(PayloadSizeOf(secondClass), secondClass));
    }

    private async ValueTask<SpoolBuffer?> ReserveAsync(long bytes, SizeClassRange takes, CancellationToken cancellationToken)
    {
        var reserved = _budget.ReserveOrTakeAsync(bytes, takes, cancellationToken);
        // A buffer parked after TryRent looked is memory this waiter may need: give it out now that we queue.
        if (!reserved.IsCompleted)
            GiveParkedToWaiters();
        return await reserved.ConfigureAwait(false);
    }

    public void Return(SpoolBuffer buffer)
    {
        buffer.Reset();
        if (_budget.HasWaiters)
            GiveToWaiter(buffer);
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
            GiveParkedToWaiters();
    }

    /// <summary>The payload capacity a request for <paramref name="minPayload"/> bytes gets.</summary>
    public int CapacityFor(int minPayload) => PayloadSizeOf(SizeClassOf(minPayload));

    /// <summary>Takes a parked buffer of a size class in [smallest, largest], the largest first unless <paramref name="smallestFirst"/>.</summary>
    private bool TryTakeParked(int smallest, int largest, out SpoolBuffer buffer, bool smallestFirst = false)
    {
        lock (_lock)
        {
            for (var i = 0; i <= largest - smallest; i++)
            {
                var sizeClass = smallestFirst ? smallest + i : largest - i;
                if (_free[sizeClass].TryPop(out buffer!))
                {
                    _parkedBytes -= buffer.Array.Length;
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
        while (freed < wanted && TryTakeParked(0, _free.Length - 1, out var dropped))
            freed += dropped.Array.Length;
        if (freed > 0)
            _budget.Release(freed);
        return freed > 0;
    }

    /// <summary>Every parked buffer goes to a waiter that takes its size, or back to the budget.</summary>
    private void GiveParkedToWaiters()
    {
        while (TryTakeParked(0, _free.Length - 1, out var parked))
            GiveToWaiter(parked);
    }

    private void GiveToWaiter(SpoolBuffer buffer)
    {
        if (!_budget.TryHandOver(buffer))
            _budget.Release(buffer.Array.Length);
    }

    private int SizeClassOf(int minPayload)
    {
        if (minPayload > MaxPayloadSize)
            throw new ArgumentOutOfRangeException(nameof(minPayload), minPayload, $"larger than the largest buffer of {MaxPayloadSize} bytes");
        var size = (uint)Math.Max(minPayload, MinPayloadSize);
        return BitOperations.Log2(BitOperations.RoundUpToPowerOf2(size)) - BitOperations.Log2(MinPayloadSize);
    }

    /// <summary>The size classes of a rent: the smallest that holds the minimum, and the one to allocate.</summary>
    private readonly record struct Request(int Smallest, int Preferred);

    private Request RequestOf(int minPayload, int preferredPayload) =>
        new(SizeClassOf(minPayload), SizeClassOf(Math.Max(minPayload, preferredPayload)));

    private static int PayloadSizeOf(int sizeClass) => MinPayloadSize << sizeClass;

    private static long BytesOf(int sizeClass) => PayloadSizeOf(sizeClass) + SpoolBuffer.HeaderRoom;
}
