using ExchangeSpool.Grpc.Internal.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ExchangeSpool.Grpc;

public static class GrpcEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the methods that <paramref name="bind"/> adds, plus (once) a fallback that answers gRPC requests
    /// for any other <c>/service/method</c> with <see cref="StatusCode.Unimplemented"/>.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcService(this IEndpointRouteBuilder endpoints, Action<GrpcServiceBinder> bind)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(bind);
        var runtime = endpoints.ServiceProvider.GetService<GrpcServerRuntime>()
            ?? throw new InvalidOperationException(
                $"gRPC services are not registered: call services.{nameof(GrpcServiceCollectionExtensions.AddGrpcWire)}() first.");

        var binder = new GrpcServiceBinder(endpoints, runtime);
        bind(binder);
        UnimplementedCallHandler.MapOnce(endpoints, runtime);
        return binder.Conventions;
    }
}
