using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ExchangeSpool.Server.Service;

/// <summary>Part of readiness (<c>/readyz</c>, grpc.health.v1): unhealthy from the moment the server starts draining.</summary>
internal sealed class DrainHealthCheck(ServerDrain drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext check, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining
            ? HealthCheckResult.Unhealthy("the server is draining (shutting down) and refuses new exchanges, sinks and sources")
            : HealthCheckResult.Healthy());
}
