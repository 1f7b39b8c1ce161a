using ExchangeSpool.Core.Buffers;

namespace ExchangeSpool.Core.Format;

/// <summary>Turns a filled buffer into a block: checksums the payload and writes the header in front of it.</summary>
public static class BlockSealer
{
    /// <summary>
    /// Returns the block's bytes, contiguous inside the buffer. The first block of a file also
    /// carries the file header in front, so a file's first write is a single write too.
    /// </summary>
    public static ReadOnlyMemory<byte> Seal(SpoolBuffer buffer, uint blockIndex, SpoolFileHeader? fileHeader)
    {
        var payload = buffer.Payload;
        var header = new BlockHeader(blockIndex, payload.Length, payload.Length, buffer.PageCount, BlockFlags.None, Crc32C.Compute(payload));
        var start = SpoolBuffer.HeaderRoom - BlockHeader.Size;
        header.Write(buffer.Array.AsSpan(start, BlockHeader.Size));
        if (fileHeader is { } file)
        {
            start -= SpoolFileHeader.Size;
            file.Write(buffer.Array.AsSpan(start, SpoolFileHeader.Size));
        }
        return buffer.Array.AsMemory(start, SpoolBuffer.HeaderRoom - start + payload.Length);
    }
}
