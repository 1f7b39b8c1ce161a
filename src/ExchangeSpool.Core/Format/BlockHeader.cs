using System.Buffers.Binary;

namespace ExchangeSpool.Core.Format;

[Flags]
public enum BlockFlags : ushort
{
    None = 0,
    Compressed = 1,
    Encrypted = 2,
}

/// <summary>
/// The 32 bytes in front of every block's payload: marker "XBLK", block index within the file,
/// stored length, plain length, page count, flags (u16), reserved (u16), CRC32C of the stored
/// payload, CRC32C of the first 28 header bytes. The index makes a reordered or moved block fail
/// even without encryption; the plain length and flags are the slots compression fills.
/// </summary>
public readonly record struct BlockHeader(uint Index, int StoredLength, int PlainLength, int PageCount, BlockFlags Flags, uint PayloadCrc)
{
    public const int Size = 32;
    private const uint Marker = 0x4B4C4258; // "XBLK"

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Marker);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Index);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], StoredLength);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], PlainLength);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], PageCount);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[20..], (ushort)Flags);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[22..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], PayloadCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[28..], Crc32C.Compute(destination[..28]));
    }

    /// <summary>Parses and checks a header against the index it must have and the largest payload allowed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, uint expectedIndex, int maxPayload, out BlockHeader header, out string problem)
    {
        header = default;
        problem = "";
        if (BinaryPrimitives.ReadUInt32LittleEndian(source) != Marker)
            problem = "bad block marker";
        else if (BinaryPrimitives.ReadUInt32LittleEndian(source[28..]) != Crc32C.Compute(source[..28]))
            problem = "block header checksum mismatch";
        else
        {
            header = new BlockHeader(
                BinaryPrimitives.ReadUInt32LittleEndian(source[4..]),
                BinaryPrimitives.ReadInt32LittleEndian(source[8..]),
                BinaryPrimitives.ReadInt32LittleEndian(source[12..]),
                BinaryPrimitives.ReadInt32LittleEndian(source[16..]),
                (BlockFlags)BinaryPrimitives.ReadUInt16LittleEndian(source[20..]),
                BinaryPrimitives.ReadUInt32LittleEndian(source[24..]));
            if (header.Index != expectedIndex)
                problem = $"block carries index {header.Index} (out of order or from elsewhere)";
            else if (header.Flags != BlockFlags.None)
                problem = $"block flags {header.Flags} need a feature this version does not have";
            else if (header.StoredLength < 0 || header.StoredLength > maxPayload || header.PlainLength != header.StoredLength)
                problem = $"block length {header.StoredLength} is invalid";
            else if (header.PageCount <= 0)
                problem = $"block page count {header.PageCount} is invalid";
        }
        return problem.Length == 0;
    }
}
