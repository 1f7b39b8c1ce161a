using ExchangeSpool.Grpc.Internal.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace ExchangeSpool.Grpc;

/// <summary>Adds a service's methods to endpoint routing, each at its <see cref="Method{TRequest,TResponse}.FullName"/>.</summary>
public sealed class GrpcServiceBinder
{
    private readonly IEndpointRouteBuilder _endpoints;
    private readonly GrpcServerRuntime _runtime;

    internal GrpcServiceBinder(IEndpointRouteBuilder endpoints, GrpcServerRuntime runtime)
    {
        _endpoints = endpoints;
        _runtime = runtime;
    }

    internal CompositeEndpointConventionBuilder Conventions { get; } = new();

    public GrpcServiceBinder AddUnaryMethod<TRequest, TResponse>(
        Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler) =>
        Add(method, MethodType.Unary, new UnaryServerCallHandler<TRequest, TResponse>(method, _runtime, handler));

    public GrpcServiceBinder AddClientStreamingMethod<TRequest, TResponse>(
        Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler) =>
        Add(method, MethodType.ClientStreaming, new ClientStreamingServerCallHandler<TRequest, TResponse>(method, _runtime, handler));

    public GrpcServiceBinder AddServerStreamingMethod<TRequest, TResponse>(
        Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler) =>
        Add(method, MethodType.ServerStreaming, new ServerStreamingServerCallHandler<TRequest, TResponse>(method, _runtime, handler));

    public GrpcServiceBinder AddDuplexStreamingMethod<TRequest, TResponse>(
        Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler) =>
        Add(method, MethodType.DuplexStreaming, new DuplexStreamingServerCallHandler<TRequest, TResponse>(method, _runtime, handler));

    private GrpcServiceBinder Add<TRequest, TResponse>(
        Method<TRequest, TResponse> method, MethodType expectedType, ServerCallHandler<TRequest, TResponse> handler)
    {
        if (method.Type != expectedType)
        {
            throw new ArgumentException($"Method {method.FullName} is {method.Type}, not {expectedType}.", nameof(method));
        }

        _runtime.Methods.Register(method.ServiceName, method.FullName);
        var endpoint = _endpoints.MapPost(method.FullName, handler.HandleCallAsync)
            .WithDisplayName($"gRPC {method.FullName}");
        Conventions.Add(endpoint);
        return this;
    }
}
