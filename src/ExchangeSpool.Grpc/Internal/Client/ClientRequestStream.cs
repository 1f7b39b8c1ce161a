namespace ExchangeSpool.Grpc.Internal.Client;

internal sealed class ClientRequestStream<TRequest, TResponse>(ClientCall<TRequest, TResponse> call) : IClientStreamWriter<TRequest>
{
    public ValueTask WriteAsync(TRequest message, CancellationToken cancellationToken = default) =>
        call.WriteRequestAsync(message, cancellationToken);

    public Task CompleteAsync() => call.CompleteRequestsAsync();
}
