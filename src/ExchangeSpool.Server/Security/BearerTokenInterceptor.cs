using ExchangeSpool.Protocol;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server.Security;

/// <summary>
/// Refuses every call of the spool service that lacks the configured bearer token with
/// UNAUTHENTICATED, before its handler reads anything. gRPC health (<c>grpc.health.v1</c>) stays
/// open: probes (kubelet, load balancers) carry no token, and it tells only whether the server serves.
/// </summary>
internal sealed class BearerTokenInterceptor(ReloadedFromFiles<BearerToken> token, ILogger<BearerTokenInterceptor> logger) : Interceptor
{
    private const string HealthServicePrefix = "/grpc.health.v1.Health/";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authenticate(ServerCallContext context)
    {
        if (context.Method.StartsWith(HealthServicePrefix, StringComparison.Ordinal))
            return;
        var authorization = context.RequestHeaders.GetValue(BearerTokens.HeaderName);
        if (token.Current.Matches(authorization))
            return;
        var problem = authorization is null
            ? $"no bearer token: this server requires '{BearerTokens.HeaderName}: {BearerTokens.Scheme}<token>' with the token of its exchange.spool.auth.token-file"
            : "the bearer token was not accepted: it is not the token of the server's exchange.spool.auth.token-file";
        SecurityLog.Unauthenticated(logger, context.Method, context.Peer, problem);
        throw SpoolErrors.ToRpcException(StatusCode.Unauthenticated, ErrorReasons.Unauthenticated, problem);
    }
}
