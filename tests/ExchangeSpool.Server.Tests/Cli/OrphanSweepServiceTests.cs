using System.Diagnostics.Metrics;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Sinks;
using ExchangeSpool.Server.Metrics;
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
        var deleted = new TaskCompletionSource();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Other tests' servers sweep hourly, by default: only this one sweeps within the test.
            if (instrument.Meter.Name == SpoolMetrics.MeterName && instrument.Name == SpoolMetrics.OrphanedExchangesName)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (value > 0 && tags.ToArray().Contains(new KeyValuePair<string, object?>("outcome", "deleted")))
                deleted.TrySetResult();
        });
        listener.Start();
        SpoolContext? writer = null;
        ExchangeSpec? exchange = null;
        // Written by another server two minutes ago, and not used since: before this server starts, so no sweep meets it half-written.
        await using var server = await InProcessSpoolServer.StartAsync(async baseDirectories =>
        {
            writer = new SpoolContext(new SpoolOptions { BaseDirectories = baseDirectories }, new LocalExchangeStorage(baseDirectories),
                clock: new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromMinutes(2)));
            exchange = await CommittedExchanges.CommitAsync(writer, "orphan");
        }, "--exchange.spool.orphan-ttl=1m", "--exchange.spool.orphan-sweep-interval=1s");

        await deleted.Task.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Null(await writer!.TryLoadManifestAsync(new SinkAttemptId(exchange!.Key, 0, 0), default));
        Assert.True(await writer.Tombstones.IsClosedAsync(exchange.Key, default));
    }
}
