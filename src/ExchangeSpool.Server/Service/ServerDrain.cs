using ExchangeSpool.Core;
using ExchangeSpool.Server.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server.Service;

/// <summary>
/// The server's stop in two steps. Once a stop is asked (SIGTERM or Ctrl-C, through the host's
/// ApplicationStopping) the server is draining: readiness turns false, and new exchanges, sinks and
/// sources are refused with SHUTTING_DOWN, which clients retry elsewhere; the sink and source streams
/// under way run on for <c>exchange.spool.shutdown-grace-period</c>. Then <see cref="GraceEnded"/>
/// ends whatever is left (an unfinished sink aborts, deleting what it wrote; a commit either completed
/// or did not start). The host calls <see cref="StoppingAsync"/> before it stops Kestrel, so the
/// health endpoints keep answering for the whole drain.
/// </summary>
internal sealed class ServerDrain(IHostApplicationLifetime lifetime, ServerOptions server, ILogger<ServerDrain> logger)
    : IHostedLifecycleService, IDisposable
{
    /// <summary>How long the host waits, after the grace period, for the ended streams to answer (aborted sinks' files are deleted by the background clean-ups, drained after).</summary>
    public static readonly TimeSpan AbortAllowance = TimeSpan.FromSeconds(10);

    /// <summary>How often the drain looks whether every stream has ended.</summary>
    private static readonly TimeSpan IdleCheckInterval = TimeSpan.FromMilliseconds(50);

    private readonly CancellationTokenSource _graceEnded = new();
    private int _streams;
    private int _stopping;

    /// <summary>True from the moment a stop is asked.</summary>
    public bool IsDraining => lifetime.ApplicationStopping.IsCancellationRequested;

    /// <summary>Cancelled when the grace period is over (or the server is disposed without one): streams still running end.</summary>
    public CancellationToken GraceEnded => _graceEnded.Token;

    /// <summary>Refuses <paramref name="what"/> while draining.</summary>
    /// <exception cref="SpoolException">ShuttingDown.</exception>
    public void ThrowIfDraining(string what)
    {
        if (IsDraining)
            throw new SpoolException(SpoolErrorReason.ShuttingDown, $"the server is shutting down and refuses {what}; retry on a server that is running");
    }

    /// <summary>Counts a sink or source stream until the returned lease is disposed; refused while draining.</summary>
    /// <exception cref="SpoolException">ShuttingDown.</exception>
    public StreamLease BeginStream(string what)
    {
        ThrowIfDraining(what);
        Interlocked.Increment(ref _streams);
        return new StreamLease(this);
    }

    /// <summary>Ends every stream now, without a grace period (a server disposed in-process, as tests do).</summary>
    public void EndNow()
    {
        lifetime.StopApplication();
        _graceEnded.Cancel();
    }

    public async Task StoppingAsync(CancellationToken hostGivesUp)
    {
        // Program stops the host once on SIGTERM and once more when it disposes the server.
        if (Interlocked.Exchange(ref _stopping, 1) == 1)
            return;
        var running = Volatile.Read(ref _streams);
        ServerLog.Draining(logger, running, server.ShutdownGracePeriod);
        using (var grace = CancellationTokenSource.CreateLinkedTokenSource(hostGivesUp, _graceEnded.Token))
        {
            grace.CancelAfter(server.ShutdownGracePeriod);
            await WhenNoStreamsAsync(grace.Token).ConfigureAwait(false);
        }
        var left = Volatile.Read(ref _streams);
        _graceEnded.Cancel();
        if (left > 0)
        {
            ServerLog.GraceEnded(logger, left, server.ShutdownGracePeriod);
            await WhenNoStreamsAsync(hostGivesUp).ConfigureAwait(false);
        }
        ServerLog.Drained(logger);
    }

    /// <summary>Returns once no stream runs, or when <paramref name="stop"/> is cancelled.</summary>
    private async Task WhenNoStreamsAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(IdleCheckInterval);
        try
        {
            while (Volatile.Read(ref _streams) > 0)
                await timer.WaitForNextTickAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The period is over: the caller decides what happens to the streams left.
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _graceEnded.Dispose();

    /// <summary>One sink or source stream under way; disposing it ends the count.</summary>
    public readonly struct StreamLease(ServerDrain drain) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref drain._streams);
    }
}
