using ExchangeSpool.Core;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server.Service;

/// <summary>
/// Deletes closed exchanges in the background (on the core's <see cref="Core.Cleanup.BackgroundCleanups"/>),
/// so CloseExchange answers once the tombstone is written and a deletion (on S3 a listing and paced
/// multi-deletes) never depends on the caller's deadline; logs every background clean-up that fails
/// (these deletions, losing attempts, aborted attempts' files). Shutdown waits for clean-ups under
/// way for a while; what is left then stays as garbage.
/// </summary>
internal sealed partial class ExchangeDeletions
{
    private readonly SpoolContext _context;
    private readonly ExchangeLifecycle _lifecycle;
    private readonly ILogger<ExchangeDeletions> _logger;

    public ExchangeDeletions(SpoolContext context, ExchangeLifecycle lifecycle, ILogger<ExchangeDeletions> logger)
    {
        _context = context;
        _lifecycle = lifecycle;
        _logger = logger;
        context.Cleanups.Failed += (what, e) => CleanupFailed(_logger, what, e.Message);
    }

    public int PendingCount => _context.Cleanups.PendingCount;

    /// <summary>Starts deleting the exchange unless its deletion is already under way.</summary>
    public void Schedule(ExchangeKey key)
    {
        key.Validated();
        _context.Cleanups.Schedule($"deletion of exchange {key}", token => _lifecycle.DeleteAsync(key, token));
    }

    /// <summary>Waits for the clean-ups under way, at most <paramref name="gracePeriod"/>; then stops them.</summary>
    public async Task DrainAsync(TimeSpan gracePeriod)
    {
        var left = await _context.Cleanups.DrainAsync(gracePeriod).ConfigureAwait(false);
        if (left > 0)
            CleanupsLeft(_logger, left);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "The {Cleanup} failed: {Reason}; its files stay until a later clean-up or a deletion by hand")]
    private static partial void CleanupFailed(ILogger logger, string cleanup, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Stopped with {Count} storage clean-ups unfinished; their files stay until a later clean-up or a deletion by hand")]
    private static partial void CleanupsLeft(ILogger logger, int count);
}
