using ExchangeSpool.Core;
using ExchangeSpool.Core.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace ExchangeSpool.Server.Service;

/// <summary>
/// Behind the gRPC health service (grpc.health.v1): SERVING while every base directory answers a
/// read, NOT_SERVING once the server is draining or when storage fails.
/// </summary>
internal sealed class StorageHealthCheck(SpoolContext context, IHostApplicationLifetime lifetime) : IHealthCheck
{
    /// <summary>A name no spool file has: reading it asks the storage for something that is not there.</summary>
    private const string ProbeName = "exchange-spool-health-probe";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext check, CancellationToken cancellationToken = default)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
            return HealthCheckResult.Unhealthy("the server is shutting down");
        try
        {
            for (var index = 0; index < context.Storage.BaseDirectories.Count; index++)
                await context.Storage.ReadSmallFileAsync(new StoragePath(index, ProbeName), 1, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is SpoolException or IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy($"storage does not answer: {e.Message}");
        }
    }
}
