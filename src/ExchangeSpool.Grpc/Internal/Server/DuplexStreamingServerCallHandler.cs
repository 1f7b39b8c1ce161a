namespace ExchangeSpool.Grpc.Internal.Server;

internal sealed class DuplexStreamingServerCallHandler<TRequest, TResponse>(
    Method<TRequest, TResponse> method,
    GrpcServerRuntime runtime,
    DuplexStreamingServerMethod<TRequest, TResponse> handler)
    : ServerCallHandler<TRequest, TResponse>(method, runtime)
{
    protected override Task InvokeAsync(
        RequestBodyReader<TRequest> requests, ResponseBodyWriter<TResponse> responses, ServerCallContext context) =>
        handler(requests, responses, context);
}
