using ExchangeSpool.Core.Buffers;

namespace ExchangeSpool.Core.Tests.Support;

/// <summary>
/// A sink that needs memory the budget does not have: it takes all that is free, then waits for
/// <c>more</c> bytes. Disposing gives back all it got and stops waiting.
/// </summary>
public sealed class SinkMemoryWaiter : IDisposable
{
    private readonly MemoryBudget _budget;
    private readonly long _more;
    private readonly CancellationTokenSource _cancel;

    public SinkMemoryWaiter(MemoryBudget budget, long more, CancellationToken ct)
    {
        _budget = budget;
        _more = more;
        Held = budget.Limit - budget.Used;
        Assert.True(budget.TryReserve(Held, MemoryUse.SinkBuffers));
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Granted = budget.ReserveAsync(more, MemoryUse.SinkBuffers, _cancel.Token).AsTask();
    }

    /// <summary>The bytes it took at once.</summary>
    public long Held { get; }

    /// <summary>Completes when it got the bytes it waited for.</summary>
    public Task Granted { get; }

    /// <summary>All it holds now.</summary>
    public long Holds => Held + (Granted.IsCompletedSuccessfully ? _more : 0);

    public void Dispose()
    {
        _cancel.Cancel();
        _budget.Release(Holds, MemoryUse.SinkBuffers);
        _cancel.Dispose();
    }
}
