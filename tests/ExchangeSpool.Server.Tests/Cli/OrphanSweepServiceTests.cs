using ExchangeSpool.Core;
using ExchangeSpool.Core.Sinks;
using ExchangeSpool.Server.Tests.Process;
using ExchangeSpool.Storage.Local;
using Microsoft.Extensions.Time.Testing;

namespace ExchangeSpool.Server.Tests.Cli;

/// <summary>The server runs the orphan sweeper on its own, as configured, and counts what it deleted.</summary>
public sealed class OrphanSweepServiceTests
{
    [Fact]
    public async Task Server_SweepsAnExchangeIdlePastTheTtl_AndCountsItAsDeleted()
    {
        SpoolContext? writer = null;
        ExchangeSpec? exchange = null;
        // Written by another server two minutes ago, and not used since: before this server starts, so no sweep meets it half-written.
        await using var server = await InProcessSpoolServer.StartAsync(async baseDirectories =>
        {
            writer = new SpoolContext(new SpoolOptions { BaseDirectories = baseDirectories }, new LocalExchangeStorage(baseDirectories),
                clock: new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromMinutes(2)));
            exchange = await CommittedExchanges.CommitAsync(writer, "orphan");
        }, "--exchange.spool.orphan-ttl=1m", "--exchange.spool.orphan-sweep-interval=1s");

        // Other tests' servers sweep hourly, by default: only this one sweeps within the test.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (server.Metrics.OrphansDeleted == 0)
            await Task.Delay(50, timeout.Token);

        Assert.Null(await writer!.TryLoadManifestAsync(new SinkAttemptId(exchange!.Key, 0, 0), default));
        Assert.True(await writer.Tombstones.IsClosedAsync(exchange.Key, default));
    }
}
