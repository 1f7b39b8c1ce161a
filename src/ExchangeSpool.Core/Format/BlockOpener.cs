using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Compression;
using ExchangeSpool.Core.Encryption;

namespace ExchangeSpool.Core.Format;

/// <summary>
/// The reverse of <see cref="BlockSealer"/>: verifies a block's stored bytes (GCM tag or CRC32C),
/// decrypts them in place, decompresses them and checks the page frames. A block that fails any
/// step yields a problem, never pages.
/// </summary>
public sealed class BlockOpener(BlockCipher? cipher)
{
    /// <summary>
    /// Where a block's stored bytes go in the buffer they are read into: the payload at the
    /// buffer's payload start, the tag just in front, so decryption works in place.
    /// </summary>
    public static Memory<byte> StoredRegion(SpoolBuffer stored, in BlockHeader header) =>
        stored.Array.AsMemory(SpoolBuffer.HeaderRoom - header.TagLength, header.StoredLength);

    /// <summary>
    /// Opens a block whose stored bytes are in <paramref name="stored"/> (see <see cref="StoredRegion"/>).
    /// The page frames end up in <paramref name="plain"/> for a compressed block (the caller rents
    /// it with the plain length), in <paramref name="stored"/> otherwise; that buffer's length and
    /// page count are set.
    /// </summary>
    public bool TryOpen(in BlockHeader header, ReadOnlySpan<byte> headerBytes, SpoolFileBinding file, SpoolBuffer stored, SpoolBuffer? plain, out string problem)
    {
        var payload = stored.Array.AsSpan(SpoolBuffer.HeaderRoom, header.PayloadLength);
        if (header.IsEncrypted)
        {
            if (cipher is null)
                throw new InvalidOperationException("an encrypted block needs a cipher");
            var tag = stored.Array.AsSpan(SpoolBuffer.HeaderRoom - BlockCipher.TagSize, BlockCipher.TagSize);
            if (!cipher.TryDecrypt(file, headerBytes, payload, tag))
            {
                problem = "authentication failed (altered, truncated, or moved from another file or position)";
                return false;
            }
        }
        else if (Crc32C.Compute(payload) != header.PayloadCrc)
        {
            problem = "payload checksum mismatch";
            return false;
        }
        var result = stored;
        if (header.IsCompressed)
        {
            result = plain ?? throw new InvalidOperationException("a compressed block needs a buffer for its plain bytes");
            var length = Lz4Block.Decompress(payload, result.Array.AsSpan(SpoolBuffer.HeaderRoom, header.PlainLength));
            if (length != header.PlainLength)
            {
                problem = $"does not decompress to its {header.PlainLength} bytes";
                return false;
            }
        }
        if (!PageFrames.TryValidate(result.Array.AsSpan(SpoolBuffer.HeaderRoom, header.PlainLength), header.PageCount, out problem))
            return false;
        result.Length = header.PlainLength;
        result.PageCount = header.PageCount;
        return true;
    }
}
