namespace ExchangeSpool.Grpc;

/// <summary>Reads a stream of messages, one at a time.</summary>
public interface IMessageReader<out T>
{
    /// <summary>
    /// Waits for the next message. Returns false when the stream ended normally; throws
    /// <see cref="RpcException"/> when the call failed.
    /// </summary>
    ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The message read by the last successful <see cref="MoveNextAsync"/>. It is valid only until the next
    /// call to <see cref="MoveNextAsync"/>: the deserializer may return a view into the received bytes (on the
    /// server, into Kestrel's request pipe), which are released when the next message is asked for.
    /// Copy whatever must outlive that.
    /// </summary>
    T Current { get; }
}
