using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ExchangeSpool.Grpc.Internal.Server;

/// <summary>What every server call handler shares: options, logger, shutdown signal and the method registry.</summary>
internal sealed class GrpcServerRuntime(
    IOptions<GrpcServerOptions> options,
    ILoggerFactory loggerFactory,
    IHostApplicationLifetime? lifetime = null)
{
    public GrpcServerOptions Options { get; } = options.Value;

    public ILogger Logger { get; } = loggerFactory.CreateLogger("ExchangeSpool.Grpc.Server");

    public CancellationToken ServerStopping { get; } = lifetime?.ApplicationStopping ?? CancellationToken.None;

    public RegisteredMethods Methods { get; } = new();

    public bool UnimplementedFallbackMapped { get; set; }
}
