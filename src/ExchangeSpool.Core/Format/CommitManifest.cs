using System.Buffers.Binary;

namespace ExchangeSpool.Core.Format;

/// <summary>One data file of a committed attempt, as the manifest records it; the nonce seed is its header's, which identifies it.</summary>
public readonly record struct ManifestFile(int PartitionId, int FileIndex, long StoredSize, long DataSize, long PageCount, int BlockCount, UInt128 NonceSeed);

/// <summary>
/// The commit point of a sink attempt: written last, atomically, listing every file the attempt
/// wrote. Files without a manifest are garbage. Binary: magic "XSPM", version, sink id, attempt id,
/// file count, then per file partition, index, stored size, data size, pages, blocks, nonce seed;
/// CRC32C last. Version 2 added the seed; spooled data never outlives its query, so version 1
/// manifests are refused rather than read.
/// </summary>
public sealed record CommitManifest(int SinkId, int AttemptId, IReadOnlyList<ManifestFile> Files)
{
    public const int MaxSize = 64 * 1024 * 1024;
    private const uint Magic = 0x4D505358; // "XSPM"
    private const int Version = 2;
    private const int HeaderSize = 20;
    private const int FileSize = 52;

    public long DataSize => Files.Sum(f => f.DataSize);

    public byte[] Serialize()
    {
        var bytes = new byte[HeaderSize + Files.Count * FileSize + 4];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], SinkId);
        BinaryPrimitives.WriteInt32LittleEndian(span[12..], AttemptId);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], Files.Count);
        var offset = HeaderSize;
        foreach (var file in Files)
        {
            var entry = span[offset..];
            BinaryPrimitives.WriteInt32LittleEndian(entry, file.PartitionId);
            BinaryPrimitives.WriteInt32LittleEndian(entry[4..], file.FileIndex);
            BinaryPrimitives.WriteInt64LittleEndian(entry[8..], file.StoredSize);
            BinaryPrimitives.WriteInt64LittleEndian(entry[16..], file.DataSize);
            BinaryPrimitives.WriteInt64LittleEndian(entry[24..], file.PageCount);
            BinaryPrimitives.WriteInt32LittleEndian(entry[32..], file.BlockCount);
            BinaryPrimitives.WriteUInt128LittleEndian(entry[36..], file.NonceSeed);
            offset += FileSize;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(span[offset..], Crc32C.Compute(span[..offset]));
        return bytes;
    }

    /// <summary>Parses a manifest; <paramref name="name"/> is used in the error a damaged one raises.</summary>
    public static CommitManifest Parse(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.Length < HeaderSize + 4 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic)
            throw SpoolException.DataLoss($"commit manifest {name} is damaged (bad magic or too short)");
        // Checked before the length: an older version's entries have another size.
        var version = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
        if (version != Version)
            throw SpoolException.DataLoss($"commit manifest {name} has unsupported version {version} (this server reads version {Version})");
        var count = BinaryPrimitives.ReadInt32LittleEndian(bytes[16..]);
        if (count < 0 || bytes.Length != HeaderSize + (long)count * FileSize + 4)
            throw SpoolException.DataLoss($"commit manifest {name} is damaged (length does not match {count} files)");
        var body = bytes[..^4];
        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes[^4..]) != Crc32C.Compute(body))
            throw SpoolException.DataLoss($"commit manifest {name} is damaged (checksum mismatch)");
        var files = new ManifestFile[count];
        for (var i = 0; i < count; i++)
        {
            var entry = bytes[(HeaderSize + i * FileSize)..];
            files[i] = new ManifestFile(
                BinaryPrimitives.ReadInt32LittleEndian(entry),
                BinaryPrimitives.ReadInt32LittleEndian(entry[4..]),
                BinaryPrimitives.ReadInt64LittleEndian(entry[8..]),
                BinaryPrimitives.ReadInt64LittleEndian(entry[16..]),
                BinaryPrimitives.ReadInt64LittleEndian(entry[24..]),
                BinaryPrimitives.ReadInt32LittleEndian(entry[32..]),
                BinaryPrimitives.ReadUInt128LittleEndian(entry[36..]));
        }
        return new CommitManifest(
            BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]),
            BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]),
            files);
    }
}
