using System.Buffers.Binary;

namespace ExchangeSpool.Core.Format;

/// <summary>Where a spool file belongs: the sink attempt that wrote it and its partition and file index.</summary>
public readonly record struct SpoolFilePlace(int SinkId, int AttemptId, int PartitionId, int FileIndex)
{
    public const int Size = 16;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, SinkId);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], AttemptId);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], PartitionId);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], FileIndex);
    }
}

/// <summary>
/// What every encrypted block of one file is bound to. Nonce: the first 12 bytes of the file's
/// random seed with the block index XORed into the last four, so it never repeats within a file and
/// files differ by their seeds (the key is per exchange). Associated data: the file header (key id,
/// whole seed), the file's place (sink, attempt, partition, index) and the block header (index,
/// lengths, page count, flags): a block altered, reordered, or moved from any other file fails.
/// </summary>
public sealed class SpoolFileBinding
{
    public const int NonceSize = 12;
    public const int AssociatedDataSize = SpoolFileHeader.Size + SpoolFilePlace.Size + BlockHeader.Size;

    private readonly byte[] _fileBytes = new byte[SpoolFileHeader.Size + SpoolFilePlace.Size];

    public SpoolFileBinding(SpoolFileHeader header, SpoolFilePlace place)
    {
        Header = header;
        Place = place;
        header.Write(_fileBytes);
        place.Write(_fileBytes.AsSpan(SpoolFileHeader.Size));
    }

    public SpoolFileHeader Header { get; }

    public SpoolFilePlace Place { get; }

    /// <param name="blockHeader">The block's 32 header bytes as stored; the block index is read from them.</param>
    public void WriteNonceAndAssociatedData(ReadOnlySpan<byte> blockHeader, Span<byte> nonce, Span<byte> associatedData)
    {
        Span<byte> seed = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128LittleEndian(seed, Header.NonceSeed);
        seed[..NonceSize].CopyTo(nonce);
        var index = BlockHeader.IndexOf(blockHeader);
        BinaryPrimitives.WriteUInt32LittleEndian(nonce[8..], BinaryPrimitives.ReadUInt32LittleEndian(nonce[8..]) ^ index);
        _fileBytes.CopyTo(associatedData);
        blockHeader[..BlockHeader.Size].CopyTo(associatedData[_fileBytes.Length..]);
    }
}
