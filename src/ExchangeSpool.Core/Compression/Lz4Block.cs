using K4os.Compression.LZ4;

namespace ExchangeSpool.Core.Compression;

/// <summary>
/// LZ4's raw block format (no frame, no size prefix: the block header holds both lengths), through
/// K4os.Compression.LZ4, a managed port of the reference library, so no native library has to be
/// installed. Its output is the reference format: blocks written through Debian's liblz4 before
/// still read. Span in, span out: nothing allocated per block.
/// </summary>
public static class Lz4Block
{
    /// <summary>
    /// Compresses <paramref name="source"/> into <paramref name="destination"/>; returns the
    /// compressed length, or 0 when it does not fit (which is how a block that does not shrink
    /// enough is detected: one attempt, never a second pass).
    /// </summary>
    public static int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.IsEmpty || destination.IsEmpty)
            return 0;
        // K4os answers a destination that is too small with 0 or -1, depending on where it runs out.
        return Math.Max(LZ4Codec.Encode(source, destination, LZ4Level.L00_FAST), 0);
    }

    /// <summary>Decompresses; returns the decompressed length, or a negative value for malformed input (never reads or writes out of bounds).</summary>
    public static int Decompress(ReadOnlySpan<byte> source, Span<byte> destination) =>
        source.IsEmpty ? -1 : LZ4Codec.Decode(source, destination);
}
