using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ExchangeSpool.Server.Service;

/// <summary>
/// <c>/healthz</c> (alive: 200 while the process serves HTTP) and <c>/readyz</c> (200 when every
/// readiness check passes, else 503), each answering one plain-text line, for Kubernetes probes and
/// the Dockerfile's HEALTHCHECK.
/// </summary>
internal static class HealthEndpoints
{
    /// <summary>The tag of the checks <c>/readyz</c> and gRPC health run: storage writable, not draining.</summary>
    public const string ReadinessTag = "ready";

    private const string StorageCheck = "storage";

    /// <summary>
    /// Adds the readiness checks. The storage check writes a file, so it runs when asked (/readyz, a
    /// gRPC Check) and not every 30 s in the background for gRPC Watch calls, which follow draining only.
    /// </summary>
    public static void Add(IHealthChecksBuilder checks)
    {
        checks.AddCheck<DrainHealthCheck>("drain", tags: [ReadinessTag])
            .AddCheck<StorageHealthCheck>(StorageCheck, tags: [ReadinessTag]);
        checks.Services.Configure<HealthCheckPublisherOptions>(publisher => publisher.Predicate = check => check.Name != StorageCheck);
    }

    public static void Use(IApplicationBuilder app)
    {
        app.UseHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteOneLineAsync });
        app.UseHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadinessTag), ResponseWriter = WriteOneLineAsync });
    }

    /// <summary>"ok", or "not ready:" with what each failing check says.</summary>
    private static Task WriteOneLineAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "text/plain; charset=utf-8";
        var failing = report.Entries.Where(entry => entry.Value.Status != HealthStatus.Healthy)
            .Select(entry => $"{entry.Key}: {entry.Value.Description}").ToList();
        var line = failing.Count == 0 ? "ok" : "not ready: " + string.Join("; ", failing);
        return http.Response.WriteAsync(line.ReplaceLineEndings(" ") + "\n");
    }
}
