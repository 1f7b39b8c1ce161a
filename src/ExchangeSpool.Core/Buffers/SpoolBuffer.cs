namespace ExchangeSpool.Core.Buffers;

/// <summary>
/// A pooled array laid out as [header room][payload]. The block header (and, in a file's first
/// block, the file header; in an encrypted block, the GCM tag) is written into the room in front of
/// the payload, so a block goes to storage as one contiguous write without a copy.
/// </summary>
public sealed class SpoolBuffer
{
    /// <summary>Bytes reserved in front of the payload: file header, block header and GCM tag.</summary>
    public const int HeaderRoom = 80;

    internal SpoolBuffer(int payloadCapacity, int sizeClass, MemoryUse use)
    {
        Array = GC.AllocateUninitializedArray<byte>(HeaderRoom + payloadCapacity);
        SizeClass = sizeClass;
        Use = use;
    }

    public byte[] Array { get; }

    internal int SizeClass { get; }

    /// <summary>What the budget charges this buffer to while it is rented; it changes when the buffer changes hands.</summary>
    internal MemoryUse Use { get; set; }

    public int PayloadCapacity => Array.Length - HeaderRoom;

    /// <summary>Payload bytes written so far.</summary>
    public int Length { get; set; }

    /// <summary>Pages framed into the payload so far.</summary>
    public int PageCount { get; set; }

    public int Remaining => PayloadCapacity - Length;

    public Span<byte> Payload => Array.AsSpan(HeaderRoom, Length);

    public Memory<byte> PayloadMemory => Array.AsMemory(HeaderRoom, Length);

    /// <summary>The unwritten part of the payload.</summary>
    public Span<byte> Free => Array.AsSpan(HeaderRoom + Length);

    internal void Reset()
    {
        Length = 0;
        PageCount = 0;
    }
}
