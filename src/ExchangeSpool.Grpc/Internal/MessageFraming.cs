using System.Buffers;
using System.Buffers.Binary;

namespace ExchangeSpool.Grpc.Internal;

/// <summary>
/// The gRPC length-prefixed message: a compressed flag byte, a 4-byte big-endian length, the payload.
/// </summary>
internal static class MessageFraming
{
    public const int HeaderSize = 5;

    /// <summary>
    /// Takes one complete message off the front of <paramref name="buffer"/>. Returns false, leaving the
    /// buffer untouched, when more bytes are needed. The length is checked against the limit as soon as the
    /// header is there, so an oversized message is refused before its payload is buffered.
    /// </summary>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, int maxMessageSize, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        switch (header[0])
        {
            case 0:
                break;
            case 1:
                throw new RpcException(StatusCode.Internal, "Received a compressed message but no grpc-encoding was negotiated.");
            default:
                throw new RpcException(StatusCode.Internal, $"Invalid compressed flag {header[0]} in message prefix.");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxMessageSize)
        {
            throw new RpcException(
                StatusCode.ResourceExhausted,
                $"Received message of {length} bytes exceeds the maximum message size of {maxMessageSize} bytes.");
        }

        if (buffer.Length - HeaderSize < length)
        {
            return false;
        }

        payload = buffer.Slice(HeaderSize, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>
    /// Writes the prefix and then serializes the message directly into <paramref name="output"/>.
    /// <paramref name="counter"/> is the caller's reusable writer that checks the announced length.
    /// </summary>
    public static void WriteMessage<T>(
        IBufferWriter<byte> output,
        T message,
        Marshaller<T> marshaller,
        int maxMessageSize,
        CountingBufferWriter counter)
    {
        var size = ComputeSize(message, marshaller, maxMessageSize);
        WriteHeader(output, size);
        counter.Reset(output);
        Serialize(message, marshaller, counter);
        CheckWritten(size, counter.WrittenCount);
    }

    /// <summary>Frames one message into an array of exactly its size, for requests sent whole.</summary>
    public static ReadOnlyMemory<byte> WriteMessageToArray<T>(T message, Marshaller<T> marshaller, int maxMessageSize)
    {
        var size = ComputeSize(message, marshaller, maxMessageSize);
        var output = new ArrayBufferWriter<byte>(HeaderSize + size);
        WriteHeader(output, size);
        Serialize(message, marshaller, output);
        CheckWritten(size, output.WrittenCount - HeaderSize);
        return output.WrittenMemory;
    }

    private static int ComputeSize<T>(T message, Marshaller<T> marshaller, int maxMessageSize)
    {
        var size = marshaller.SizeCalculator(message);
        if (size < 0)
        {
            throw new RpcException(StatusCode.Internal, $"Marshaller computed a negative message size ({size}).");
        }

        if (size > maxMessageSize)
        {
            throw new RpcException(
                StatusCode.ResourceExhausted,
                $"Sending message of {size} bytes exceeds the maximum message size of {maxMessageSize} bytes.");
        }

        return size;
    }

    private static void WriteHeader(IBufferWriter<byte> output, int size)
    {
        var header = output.GetSpan(HeaderSize);
        header[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)size);
        output.Advance(HeaderSize);
    }

    private static void Serialize<T>(T message, Marshaller<T> marshaller, IBufferWriter<byte> output)
    {
        try
        {
            marshaller.Serializer(message, output);
        }
        catch (Exception ex)
        {
            throw new SerializationFailedException($"Serializer failed: {ex.Message}", ex);
        }
    }

    private static void CheckWritten(int size, long written)
    {
        if (written != size)
        {
            throw new SerializationFailedException(
                $"Serializer wrote {written} bytes but the size calculator returned {size}.",
                innerException: null);
        }
    }
}

/// <summary>
/// Serializing a message failed after its prefix was written, so the output holds a corrupt frame:
/// the stream must be reset rather than continued.
/// </summary>
internal sealed class SerializationFailedException(string message, Exception? innerException)
    : Exception(message, innerException)
{
    public RpcException ToRpcException() => new(new Status(StatusCode.Internal, Message), this);
}
