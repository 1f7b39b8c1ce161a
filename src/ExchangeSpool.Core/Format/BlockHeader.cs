using System.Buffers.Binary;
using ExchangeSpool.Core.Encryption;

namespace ExchangeSpool.Core.Format;

[Flags]
public enum BlockFlags : ushort
{
    None = 0,
    Compressed = 1,
    Encrypted = 2,
}

/// <summary>
/// The 32 bytes in front of every block's stored bytes: marker "XBLK", block index within the file,
/// stored length, plain length, page count, flags (u16), reserved (u16), CRC32C of the stored
/// payload (0 when encrypted: the GCM tag authenticates it), CRC32C of the first 28 header bytes.
/// Stored bytes: [GCM tag, when encrypted][payload, LZ4-compressed when flagged]; the stored length
/// counts both, the plain length is the page frames' length once opened. The index makes a
/// reordered or moved block fail even without encryption.
/// </summary>
public readonly record struct BlockHeader(uint Index, int StoredLength, int PlainLength, int PageCount, BlockFlags Flags, uint PayloadCrc)
{
    public const int Size = 32;
    private const uint Marker = 0x4B4C4258; // "XBLK"
    private const BlockFlags KnownFlags = BlockFlags.Compressed | BlockFlags.Encrypted;

    public bool IsEncrypted => (Flags & BlockFlags.Encrypted) != 0;

    public bool IsCompressed => (Flags & BlockFlags.Compressed) != 0;

    /// <summary>Bytes of the GCM tag in front of the payload.</summary>
    public int TagLength => IsEncrypted ? BlockCipher.TagSize : 0;

    /// <summary>Stored bytes after the tag: the (compressed) page frames, encrypted or not.</summary>
    public int PayloadLength => StoredLength - TagLength;

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

    /// <summary>The index field of written header bytes.</summary>
    public static uint IndexOf(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);

    /// <summary>
    /// Parses and checks a header against the index it must have, whether its file is encrypted,
    /// the most stored bytes the file has left and the largest plain block a buffer holds.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, uint expectedIndex, bool encryptedFile, long maxStored, int maxPlain, out BlockHeader header, out string problem)
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
                IndexOf(source),
                BinaryPrimitives.ReadInt32LittleEndian(source[8..]),
                BinaryPrimitives.ReadInt32LittleEndian(source[12..]),
                BinaryPrimitives.ReadInt32LittleEndian(source[16..]),
                (BlockFlags)BinaryPrimitives.ReadUInt16LittleEndian(source[20..]),
                BinaryPrimitives.ReadUInt32LittleEndian(source[24..]));
            problem = header.FindProblem(expectedIndex, encryptedFile, maxStored, maxPlain) ?? "";
        }
        return problem.Length == 0;
    }

    private string? FindProblem(uint expectedIndex, bool encryptedFile, long maxStored, int maxPlain)
    {
        if (Index != expectedIndex)
            return $"block carries index {Index} (out of order or from elsewhere)";
        if ((Flags & ~KnownFlags) != 0)
            return $"block flags {(ushort)Flags:x} need a feature this version does not have";
        if (IsEncrypted != encryptedFile)
            return IsEncrypted ? "block is encrypted but its file is not" : "block is not encrypted but its file is";
        if (StoredLength < TagLength || StoredLength > maxStored || PlainLength < 0 || PlainLength > maxPlain)
            return $"block lengths {StoredLength} stored / {PlainLength} plain are invalid";
        if (IsCompressed ? PayloadLength >= PlainLength : PayloadLength != PlainLength)
            return $"block lengths {StoredLength} stored / {PlainLength} plain do not fit its flags {Flags}";
        if (PageCount <= 0)
            return $"block page count {PageCount} is invalid";
        return null;
    }
}
