using ExchangeSpool.Core;
using ExchangeSpool.Core.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ExchangeSpool.Server.Service;

/// <summary>
/// Part of readiness (<c>/readyz</c>, grpc.health.v1): healthy while every base directory passes the
/// start's write probe (<see cref="StorageProbe"/>: a small file written, read back and deleted),
/// which is what sinks need.
/// </summary>
internal sealed class StorageHealthCheck(SpoolContext context) : IHealthCheck
{
    /// <summary>Longer than any probe period a Kubernetes probe would allow: a storage this slow is not ready.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext check, CancellationToken cancellationToken = default) =>
        await StorageProbe.FindUnwritableAsync(context.Storage, ProbeTimeout, cancellationToken).ConfigureAwait(false) is { } failure
            ? HealthCheckResult.Unhealthy($"base directory {failure.BaseDirectory} is not writable: {failure.Problem}")
            : HealthCheckResult.Healthy();
}
