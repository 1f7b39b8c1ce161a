using System.Runtime.InteropServices;

namespace ExchangeSpool.Core.Compression;

/// <summary>
/// LZ4 block compression from Debian's <c>liblz4.so.1</c> (package liblz4-1). The managed LZ4
/// packages cannot be installed here; the system library is as fast and already present.
/// Spans are passed by reference to their first byte, which pins them for the call.
/// </summary>
public static class Lz4Native
{
    public const string LibraryName = "liblz4.so.1";
    public const string DebianPackage = "liblz4-1";

    /// <summary>
    /// Compresses <paramref name="source"/> into <paramref name="destination"/>; returns the
    /// compressed length, or 0 when it does not fit (which is how a block that does not shrink
    /// enough is detected: one attempt, never a second pass).
    /// </summary>
    public static int Compress(ReadOnlySpan<byte> source, Span<byte> destination) =>
        source.IsEmpty || destination.IsEmpty
            ? 0
            : LZ4_compress_default(ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(destination), source.Length, destination.Length);

    /// <summary>Decompresses; returns the decompressed length, or a negative value for malformed input (never reads or writes out of bounds).</summary>
    public static int Decompress(ReadOnlySpan<byte> source, Span<byte> destination) =>
        source.IsEmpty
            ? -1
            : LZ4_decompress_safe(ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(destination), source.Length, destination.Length);

    /// <summary>Whether the library loads; <paramref name="problem"/> says what to install when it does not.</summary>
    public static bool TryLoad(string libraryName, out string problem)
    {
        if (NativeLibrary.TryLoad(libraryName, out var handle))
        {
            NativeLibrary.Free(handle);
            problem = "";
            return true;
        }
        problem = $"LZ4 compression needs {libraryName}, which could not be loaded; install the Debian package {DebianPackage} (apt-get install {DebianPackage})";
        return false;
    }

    [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int LZ4_compress_default(ref byte source, ref byte destination, int sourceSize, int maxDestinationSize);

    [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int LZ4_decompress_safe(ref byte source, ref byte destination, int compressedSize, int destinationCapacity);
}
