namespace ExchangeSpool.Core.Buffers;

/// <summary>A stream that holds budget memory it can give back while it is not moving.</summary>
internal interface IReclaimable
{
    MemoryUse Use { get; }

    /// <summary>The timestamp (of <see cref="MemoryReclaimer.Now"/>) since which it has not moved, or <see cref="long.MaxValue"/> while it moves.</summary>
    long StalledSince { get; }

    /// <summary>Gives back what it can now; returns the bytes on their way back to the budget.</summary>
    long Reclaim();
}
