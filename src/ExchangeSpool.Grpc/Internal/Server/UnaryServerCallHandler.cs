namespace ExchangeSpool.Grpc.Internal.Server;

internal sealed class UnaryServerCallHandler<TRequest, TResponse>(
    Method<TRequest, TResponse> method,
    GrpcServerRuntime runtime,
    UnaryServerMethod<TRequest, TResponse> handler)
    : ServerCallHandler<TRequest, TResponse>(method, runtime)
{
    protected override async Task InvokeAsync(
        RequestBodyReader<TRequest> requests, ResponseBodyWriter<TResponse> responses, ServerCallContext context)
    {
        var request = await requests.ReadSingleAsync().ConfigureAwait(false);
        var response = await handler(request, context).ConfigureAwait(false);
        await responses.WriteAsync(response).ConfigureAwait(false);
    }
}
