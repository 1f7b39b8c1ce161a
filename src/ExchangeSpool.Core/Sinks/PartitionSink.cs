using ExchangeSpool.Core.Buffers;

namespace ExchangeSpool.Core.Sinks;

/// <summary>The filling side of one partition of a sink attempt; touched only by the attempt's owner.</summary>
internal sealed class PartitionSink(int partitionId)
{
    public int PartitionId { get; } = partitionId;

    /// <summary>The buffer pages are being copied into, if any.</summary>
    public SpoolBuffer? Buffer { get; set; }

    /// <summary>Capacity the next buffer starts with: the size this partition grew to last time.</summary>
    public int NextCapacity { get; set; } = BufferPool.MinPayloadSize;

    public int FileIndex { get; set; }

    /// <summary>Bytes of the current file as Trino counts them (4 + payload a page), for rollover.</summary>
    public long FileDataSize { get; set; }
}

/// <summary>
/// A sealed buffer on its way to storage, in the partition's <paramref name="FileIndex"/>th file as
/// the attempt counts them (rolled over at the max file size); or, with no buffer, a request to flush.
/// </summary>
internal readonly record struct PendingBlock(PartitionSink? Partition, int FileIndex, SpoolBuffer? Buffer)
{
    public static PendingBlock Flush => default;
}
