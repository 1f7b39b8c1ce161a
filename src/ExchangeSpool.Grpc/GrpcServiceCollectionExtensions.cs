using ExchangeSpool.Grpc.Internal.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ExchangeSpool.Grpc;

public static class GrpcServiceCollectionExtensions
{
    /// <summary>Registers what <see cref="GrpcEndpointRouteBuilderExtensions.MapGrpcService"/> needs.</summary>
    public static IServiceCollection AddGrpcWire(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddRouting();
        var options = services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(
            o => o.MaxReceiveMessageSize > 0 && o.MaxSendMessageSize > 0,
            "Message size limits must be positive.");
        services.TryAddSingleton<GrpcServerRuntime>();
        return services;
    }
}
