using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Compression;
using ExchangeSpool.Core.Encryption;

namespace ExchangeSpool.Core.Format;

/// <summary>The bytes of a sealed block, and the pooled buffer compression wrote them to (null when they are in the sealed buffer itself).</summary>
public readonly record struct SealedBlock(ReadOnlyMemory<byte> Bytes, SpoolBuffer? Scratch);

/// <summary>
/// Turns a filled buffer into a block: compresses it (when configured and worth it), encrypts it
/// (when a cipher is given) or checksums it, and writes the header, tag and, for a file's first
/// block, the file header into the room in front, so a block is one contiguous write.
/// </summary>
public sealed class BlockSealer(BufferPool pool, BlockCompression compression, BlockCipher? cipher)
{
    /// <summary>A compressed block is kept only if it is at most this many tenths of the plain one.</summary>
    private const int KeepCompressedTenths = 9;

    /// <summary>
    /// Seals <paramref name="buffer"/>; encryption works in place, so its payload is consumed. The
    /// caller returns <see cref="SealedBlock.Scratch"/> to the pool once the bytes are written.
    /// </summary>
    public SealedBlock Seal(SpoolBuffer buffer, uint blockIndex, SpoolFileBinding file, bool firstBlock)
    {
        var scratch = compression == BlockCompression.Lz4 ? TryCompress(buffer) : null;
        var block = scratch ?? buffer;
        var payload = block.Payload;
        var tagLength = cipher is null ? 0 : BlockCipher.TagSize;
        var flags = (scratch is null ? BlockFlags.None : BlockFlags.Compressed) | (cipher is null ? BlockFlags.None : BlockFlags.Encrypted);
        // With encryption the GCM tag authenticates the payload; a CRC on top would cost time and add nothing.
        var header = new BlockHeader(blockIndex, tagLength + payload.Length, buffer.Length, buffer.PageCount, flags,
            cipher is null ? Crc32C.Compute(payload) : 0);
        var tagStart = SpoolBuffer.HeaderRoom - tagLength;
        var start = tagStart - BlockHeader.Size;
        var headerBytes = block.Array.AsSpan(start, BlockHeader.Size);
        header.Write(headerBytes);
        cipher?.Encrypt(file, headerBytes, payload, block.Array.AsSpan(tagStart, tagLength));
        if (firstBlock)
        {
            start -= SpoolFileHeader.Size;
            file.Header.Write(block.Array.AsSpan(start, SpoolFileHeader.Size));
        }
        return new SealedBlock(block.Array.AsMemory(start, SpoolBuffer.HeaderRoom - start + payload.Length), scratch);
    }

    /// <summary>
    /// One LZ4 attempt into a buffer 90% of the block's size: LZ4 gives up when the output does not
    /// fit, so a block that would not save 10% (pages Trino already compressed) costs one attempt
    /// and is stored raw. With no memory to spare the block is stored raw too: the writer must never
    /// wait for memory that only its own progress frees.
    /// </summary>
    private SpoolBuffer? TryCompress(SpoolBuffer buffer)
    {
        var room = (int)(buffer.Length * (long)KeepCompressedTenths / 10);
        if (room == 0 || !pool.TryRent(MemoryUse.SinkBuffers, room, out var scratch))
            return null;
        var length = Lz4Block.Compress(buffer.Payload, scratch.Array.AsSpan(SpoolBuffer.HeaderRoom, room));
        if (length == 0)
        {
            pool.Return(scratch);
            return null;
        }
        scratch.Length = length;
        scratch.PageCount = buffer.PageCount;
        return scratch;
    }
}
