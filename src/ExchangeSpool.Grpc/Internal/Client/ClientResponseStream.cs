namespace ExchangeSpool.Grpc.Internal.Client;

internal sealed class ClientResponseStream<TRequest, TResponse>(ClientCall<TRequest, TResponse> call) : IMessageReader<TResponse>
{
    public TResponse Current => call.CurrentResponse;

    public ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken = default) =>
        call.ReadNextResponseAsync(cancellationToken);
}
