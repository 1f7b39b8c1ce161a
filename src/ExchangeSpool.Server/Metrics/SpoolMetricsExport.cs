using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace ExchangeSpool.Server.Metrics;

/// <summary>
/// Serves the server's meters, its storage's and the runtime's at <c>/metrics</c> through
/// OpenTelemetry's Prometheus exporter. Chosen over prometheus-net's MeterAdapter because the
/// exporter follows OpenTelemetry's Prometheus compatibility rules: counters are Prometheus
/// counters with <c>_total</c>, units become suffixes (<c>By</c> → <c>_bytes</c>), histograms stay
/// histograms; the adapter exports every counter as a gauge, names nothing after its unit, prefixes
/// the meter's name and drops a series untouched for five minutes (an integrity-failure count at 0
/// would vanish). Process and GC figures come from the runtime's own <c>System.Runtime</c> meter.
/// </summary>
public static class SpoolMetricsExport
{
    /// <summary>The runtime's built-in meter: GC, heap, CPU time, working set, thread pool, exceptions.</summary>
    public const string RuntimeMeterName = "System.Runtime";

    /// <summary>
    /// Exports the meters <paramref name="ownMeters"/> holds once the host starts. Several servers
    /// can run in one process (tests do), each with meters of the same names: instruments of
    /// another server's meters are dropped by instance, not by name.
    /// </summary>
    public static IServiceCollection AddSpoolMetricsExport(this IServiceCollection services, Func<IReadOnlySet<Meter>> ownMeters)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(SpoolMetrics.MeterName, "ExchangeSpool.Storage.*", RuntimeMeterName)
            .AddView(instrument => instrument.Meter.Name == RuntimeMeterName || ownMeters().Contains(instrument.Meter)
                ? null
                : MetricStreamConfiguration.Drop)
            // Every scrape reads the instruments afresh: a cached answer would hide what just happened.
            .AddPrometheusExporter(options => options.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }

    public static void MapSpoolMetrics(this IEndpointRouteBuilder endpoints) => endpoints.MapPrometheusScrapingEndpoint("/metrics");
}
