namespace ExchangeSpool.Grpc.Internal.Server;

internal sealed class ServerStreamingServerCallHandler<TRequest, TResponse>(
    Method<TRequest, TResponse> method,
    GrpcServerRuntime runtime,
    ServerStreamingServerMethod<TRequest, TResponse> handler)
    : ServerCallHandler<TRequest, TResponse>(method, runtime)
{
    protected override async Task InvokeAsync(
        RequestBodyReader<TRequest> requests, ResponseBodyWriter<TResponse> responses, ServerCallContext context)
    {
        var request = await requests.ReadSingleAsync().ConfigureAwait(false);
        await handler(request, responses, context).ConfigureAwait(false);
    }
}
