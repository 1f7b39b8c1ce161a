using ExchangeSpool.Core;
using ExchangeSpool.Core.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ExchangeSpool.Server.Service;

/// <summary>
/// Part of readiness (<c>/readyz</c>, grpc.health.v1): healthy while a small file can be written to
/// and deleted from every base directory, which is what sinks need.
/// </summary>
internal sealed class StorageHealthCheck(SpoolContext context) : IHealthCheck
{
    /// <summary>
    /// The probe file's name at the root of a base directory, where no exchange lives; each probe
    /// adds a random suffix, as several servers may share the storage and probe at once.
    /// </summary>
    public const string ProbeNamePrefix = "exchange-spool-health-probe-";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext check, CancellationToken cancellationToken = default)
    {
        var probe = ProbeNamePrefix + Guid.NewGuid().ToString("N");
        var index = 0;
        try
        {
            for (; index < context.Storage.BaseDirectories.Count; index++)
            {
                var path = new StoragePath(index, probe);
                await context.Storage.WriteAtomicAsync(path, "probe"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                await context.Storage.DeleteFileAsync(path, cancellationToken).ConfigureAwait(false);
            }
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is SpoolException or IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy($"base directory {context.Storage.BaseDirectories[index]} is not writable: {e.Message}");
        }
    }
}
