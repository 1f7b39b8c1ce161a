using System.Buffers;

namespace ExchangeSpool.Grpc.Internal.Server;

/// <summary>Request messages read straight from Kestrel's request pipe.</summary>
internal sealed class RequestBodyReader<T>(FramedMessageReader body, Marshaller<T> marshaller, CancellationToken callToken)
    : IMessageReader<T>
{
    public T Current { get; private set; } = default!;

    public async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken = default)
    {
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(callToken, cancellationToken)
            : null;
        var payload = await body.ReadNextAsync(linked?.Token ?? callToken).ConfigureAwait(false);
        if (payload is null)
        {
            Current = default!;
            return false;
        }

        Current = Deserialize(payload.Value);
        return true;
    }

    /// <summary>The one request of a unary or server-streaming call; its bytes stay held until <see cref="Release"/>.</summary>
    public async ValueTask<T> ReadSingleAsync()
    {
        var payload = await body.ReadSingleAsync(callToken).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.Unimplemented, "Request did not include a message.");
        return Deserialize(payload);
    }

    public void Release() => body.Release();

    private T Deserialize(in ReadOnlySequence<byte> payload)
    {
        try
        {
            return marshaller.Deserializer(payload);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            // A marshaller that knows what is wrong throws RpcException itself; anything else is opaque.
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize request message."), ex);
        }
    }
}
