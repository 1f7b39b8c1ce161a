using System.Buffers.Binary;

namespace ExchangeSpool.Core.Format;

/// <summary>
/// Pages framed as [int32 little-endian length][payload], the unit both a block payload and a
/// source message carry. Sizes Trino sees count 4 + payload bytes a page.
/// </summary>
public static class PageFrames
{
    public const int FrameHeaderSize = 4;

    /// <summary>Writes one frame; the caller has checked that <paramref name="destination"/> holds 4 + length bytes.</summary>
    public static void WriteHeader(Span<byte> destination, int payloadLength) =>
        BinaryPrimitives.WriteInt32LittleEndian(destination, payloadLength);

    /// <summary>Checks that <paramref name="payload"/> is exactly <paramref name="expectedPages"/> whole frames.</summary>
    public static bool TryValidate(ReadOnlySpan<byte> payload, int expectedPages, out string problem)
    {
        var pages = 0;
        while (payload.Length > 0)
        {
            if (payload.Length < FrameHeaderSize)
            {
                problem = $"page frame {pages} is cut off";
                return false;
            }
            var length = BinaryPrimitives.ReadInt32LittleEndian(payload);
            if (length < 0 || length > payload.Length - FrameHeaderSize)
            {
                problem = $"page frame {pages} claims {length} bytes, {payload.Length - FrameHeaderSize} remain";
                return false;
            }
            payload = payload[(FrameHeaderSize + length)..];
            pages++;
        }
        if (pages != expectedPages)
        {
            problem = $"block holds {pages} pages, its header says {expectedPages}";
            return false;
        }
        problem = "";
        return true;
    }

    /// <summary>Reads the frame at <paramref name="offset"/>; the frames were validated before.</summary>
    public static ReadOnlyMemory<byte> PageAt(ReadOnlyMemory<byte> frames, ref int offset)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(frames.Span[offset..]);
        var page = frames.Slice(offset + FrameHeaderSize, length);
        offset += FrameHeaderSize + length;
        return page;
    }
}
