using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace ExchangeSpool.Core.Format;

[Flags]
public enum SpoolFileFlags : ushort
{
    None = 0,
    Encrypted = 1,
}

/// <summary>
/// The 32 bytes at the start of every spool file:
/// magic "XSPL", format version (u16), flags (u16), key id (u32), nonce seed (16 bytes), CRC32C of
/// the first 28 bytes. All integers little-endian. An encrypted file names the master key id its
/// blocks were sealed under (0 when unencrypted); every file has a random seed, which the commit
/// manifest records too, so a file replaced by another (even of another attempt) is noticed.
/// </summary>
public readonly record struct SpoolFileHeader(SpoolFileFlags Flags, uint KeyId, UInt128 NonceSeed)
{
    public const int Size = 32;
    public const ushort CurrentVersion = 1;
    private const uint Magic = 0x4C505358; // "XSPL"

    public bool IsEncrypted => (Flags & SpoolFileFlags.Encrypted) != 0;

    /// <summary>A new file's header with a fresh random seed; <paramref name="encryptionKeyId"/> is null for an unencrypted file.</summary>
    public static SpoolFileHeader Create(uint? encryptionKeyId)
    {
        Span<byte> seed = stackalloc byte[16];
        RandomNumberGenerator.Fill(seed);
        return new SpoolFileHeader(
            encryptionKeyId is null ? SpoolFileFlags.None : SpoolFileFlags.Encrypted,
            encryptionKeyId ?? 0,
            BinaryPrimitives.ReadUInt128LittleEndian(seed));
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], CurrentVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], (ushort)Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], KeyId);
        BinaryPrimitives.WriteUInt128LittleEndian(destination[12..], NonceSeed);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[28..], Crc32C.Compute(destination[..28]));
    }

    /// <summary>Parses and checks a header; <paramref name="problem"/> says what is wrong when it returns false.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out SpoolFileHeader header, out string problem)
    {
        header = default;
        if (source.Length < Size)
        {
            problem = $"file header truncated ({source.Length} of {Size} bytes)";
            return false;
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic)
        {
            problem = "not a spool file (bad magic)";
            return false;
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(source[28..]) != Crc32C.Compute(source[..28]))
        {
            problem = "file header checksum mismatch";
            return false;
        }
        var version = BinaryPrimitives.ReadUInt16LittleEndian(source[4..]);
        if (version != CurrentVersion)
        {
            problem = $"unsupported format version {version}";
            return false;
        }
        var flags = (SpoolFileFlags)BinaryPrimitives.ReadUInt16LittleEndian(source[6..]);
        if ((flags & ~SpoolFileFlags.Encrypted) != 0)
        {
            problem = $"file flags {(ushort)flags:x} need a feature this version does not have";
            return false;
        }
        header = new SpoolFileHeader(
            flags,
            BinaryPrimitives.ReadUInt32LittleEndian(source[8..]),
            BinaryPrimitives.ReadUInt128LittleEndian(source[12..]));
        problem = "";
        return true;
    }
}

/// <summary>CRC32C (Castagnoli) with the hardware instruction, eight bytes a step.</summary>
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(uint.MaxValue, data);

    private static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data)
            crc = BitOperations.Crc32C(crc, b);
        return crc;
    }
}
