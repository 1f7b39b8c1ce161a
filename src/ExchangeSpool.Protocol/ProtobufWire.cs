using System.Buffers;

namespace ExchangeSpool.Protocol;

/// <summary>
/// The few protobuf wire-format primitives the data-plane messages need to be read and written
/// without copying their page bytes into a fresh array (which generated code would do).
/// </summary>
internal static class ProtobufWire
{
    public const int WireVarint = 0;
    public const int WireFixed64 = 1;
    public const int WireLengthDelimited = 2;
    public const int WireFixed32 = 5;

    public static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }
        return size;
    }

    public static int TagSize(int field) => VarintSize((uint)field << 3);

    public static void WriteVarint(IBufferWriter<byte> writer, ulong value)
    {
        var span = writer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        writer.Advance(i);
    }

    public static void WriteTag(IBufferWriter<byte> writer, int field, int wireType) =>
        WriteVarint(writer, ((uint)field << 3) | (uint)wireType);

    public static void WriteBytes(IBufferWriter<byte> writer, ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes)
            writer.Write(segment.Span);
    }

    public static bool TryReadVarint(ref SequenceReader<byte> reader, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (!reader.TryRead(out var b))
                return false;
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return true;
        }
        return false;
    }

    /// <summary>Reads a length-delimited field's content as a slice of the message (no copy).</summary>
    public static bool TryReadLengthDelimited(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> content)
    {
        content = default;
        if (!TryReadVarint(ref reader, out var length) || length > (ulong)reader.Remaining)
            return false;
        content = reader.UnreadSequence.Slice(0, (long)length);
        reader.Advance((long)length);
        return true;
    }

    /// <summary>Skips a field this version does not know, so newer clients can add fields.</summary>
    public static bool TrySkip(ref SequenceReader<byte> reader, int wireType)
    {
        switch (wireType)
        {
            case WireVarint:
                return TryReadVarint(ref reader, out _);
            case WireFixed64:
                return reader.TryAdvance(8);
            case WireLengthDelimited:
                return TryReadLengthDelimited(ref reader, out _);
            case WireFixed32:
                return reader.TryAdvance(4);
            default:
                return false;
        }
    }

    private static bool TryAdvance(this ref SequenceReader<byte> reader, long count)
    {
        if (reader.Remaining < count)
            return false;
        reader.Advance(count);
        return true;
    }
}
