using ExchangeSpool.Core;
using ExchangeSpool.Core.Cleanup;
using ExchangeSpool.Server.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server.Service;

/// <summary>Runs the core's <see cref="OrphanSweeper"/> while the server runs; counts and logs what each sweep did.</summary>
internal sealed partial class OrphanSweepService(SpoolContext context, SpoolMetrics metrics, ILogger<OrphanSweepService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        new OrphanSweeper(context).RunAsync(Report, e => RefreshFailed(logger, e.Message), stoppingToken);

    private void Report(OrphanSweep sweep)
    {
        metrics.OrphansSwept(sweep.Deleted.Count, sweep.Revived.Count, sweep.Failed.Count);
        foreach (var exchange in sweep.Deleted)
            Deleted(logger, exchange.ToString(), context.Options.OrphanTtl);
        foreach (var exchange in sweep.Revived)
            Revived(logger, exchange.ToString());
        foreach (var (exchange, error) in sweep.Failed)
            Failed(logger, exchange.ToString(), error.Message);
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Orphan sweeper: deleted exchange {Exchange}, which no server had used for {Ttl} (exchange.spool.orphan-ttl)")]
    private static partial void Deleted(ILogger logger, string exchange, TimeSpan ttl);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Orphan sweeper: exchange {Exchange} was used again while it was being swept; it is closed (its users fail with EXCHANGE_CLOSED) and its files stay until the next sweep")]
    private static partial void Revived(ILogger logger, string exchange);

    [LoggerMessage(EventId = 42, Level = LogLevel.Warning, Message = "Orphan sweeper: deleting exchange {Exchange} failed: {Reason}; the next sweep tries again")]
    private static partial void Failed(ILogger logger, string exchange, string reason);

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "Recording the activity of exchanges in use failed: {Reason}; another server's orphan sweeper may take them for idle if this goes on for exchange.spool.orphan-ttl")]
    private static partial void RefreshFailed(ILogger logger, string reason);
}
