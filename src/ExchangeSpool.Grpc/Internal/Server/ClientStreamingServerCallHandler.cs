namespace ExchangeSpool.Grpc.Internal.Server;

internal sealed class ClientStreamingServerCallHandler<TRequest, TResponse>(
    Method<TRequest, TResponse> method,
    GrpcServerRuntime runtime,
    ClientStreamingServerMethod<TRequest, TResponse> handler)
    : ServerCallHandler<TRequest, TResponse>(method, runtime)
{
    protected override async Task InvokeAsync(
        RequestBodyReader<TRequest> requests, ResponseBodyWriter<TResponse> responses, ServerCallContext context)
    {
        var response = await handler(requests, context).ConfigureAwait(false);
        await responses.WriteAsync(response).ConfigureAwait(false);
    }
}
