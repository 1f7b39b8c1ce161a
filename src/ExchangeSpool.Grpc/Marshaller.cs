using System.Buffers;

namespace ExchangeSpool.Grpc;

/// <summary>
/// Turns messages into bytes and back. gRPC prefixes every message with its length, so the size is
/// computed first and the serializer must then write exactly that many bytes (a mismatch fails the call
/// with <see cref="StatusCode.Internal"/>).
/// </summary>
/// <remarks>
/// The deserializer may return an object that refers into the sequence it is given (zero copy). That
/// sequence stays valid only until the reader is asked for the next message (see
/// <see cref="IMessageReader{T}.Current"/>); for the single request of a unary or server-streaming handler,
/// until the handler's task completes; for a unary response on the client, only during the deserialize call.
/// </remarks>
public sealed class Marshaller<T>(
    Func<ReadOnlySequence<byte>, T> deserialize,
    Func<T, int> computeSize,
    Action<T, IBufferWriter<byte>> serialize)
{
    public Func<ReadOnlySequence<byte>, T> Deserializer { get; } = deserialize ?? throw new ArgumentNullException(nameof(deserialize));

    public Func<T, int> SizeCalculator { get; } = computeSize ?? throw new ArgumentNullException(nameof(computeSize));

    public Action<T, IBufferWriter<byte>> Serializer { get; } = serialize ?? throw new ArgumentNullException(nameof(serialize));
}
