namespace ExchangeSpool.Core.Buffers;

/// <summary>
/// The two kinds of clients that share the memory budget and must not starve each other. Sink
/// buffers may use all of it, and the part read-ahead may not take is theirs alone; read-ahead is
/// capped below the whole budget and is the first to give memory back, as it can be read again.
/// </summary>
public enum MemoryUse
{
    /// <summary>Sink buffers: pages on their way to storage, and the scratch space sealing them needs.</summary>
    SinkBuffers,

    /// <summary>Source read-ahead: verified blocks waiting for (or being sent to) a consumer.</summary>
    ReadAhead,
}
