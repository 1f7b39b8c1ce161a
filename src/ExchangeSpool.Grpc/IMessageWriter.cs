namespace ExchangeSpool.Grpc;

/// <summary>Writes a stream of messages.</summary>
public interface IMessageWriter<in T>
{
    /// <summary>
    /// Serializes the message straight into the HTTP/2 stream and flushes it. The returned task completes
    /// only once the peer's flow-control window accepted the data, which gives back-pressure.
    /// One write at a time.
    /// </summary>
    ValueTask WriteAsync(T message, CancellationToken cancellationToken = default);
}
