using System.Diagnostics;
using System.Runtime;
using ExchangeSpool.Client;

namespace ExchangeSpool.Bench;

/// <summary>
/// The fixed cost of an exchange: create, one sink with one 1 KiB page, finish, plan, read, close,
/// timed end to end, repeated after three times as many unmeasured ones. A fresh harness process
/// compiles about 14,000 methods (ASP.NET Core, gRPC, the spool), the hot ones again at tier 1 in the
/// background, in bursts, for about 3,000 small exchanges: with 20 warm-up exchanges the JIT compiled
/// 2-5 s of CPU during the 1,000 measured ones and p50 read 3.0-3.4 ms, after 3,000 it compiled about
/// 0.1 s and p50 read 2.2-2.8 ms on the same busy machine. A server that has run for a while has long
/// finished; what the JIT still compiled while measuring is reported.
/// </summary>
public static class SmallExchangeLatency
{
    private const int WarmUpPerRepetition = 3;

    public static async Task<LatencyResult> MeasureAsync(string directory, int repetitions, IProgress<double>? progress = null)
    {
        await using var server = await InProcessServer.StartAsync(directory);
        using var client = server.CreateClient();
        var workload = new SpoolWorkload(client, sinks: 1, partitions: 1, bytes: 1024, PageData.Random(1024));
        var warmUp = repetitions * WarmUpPerRepetition;
        for (var i = 0; i < warmUp; i++)
        {
            await RunAsync(client, workload);
            progress?.Report((i + 1) / (double)(warmUp + repetitions));
        }

        var compilingBefore = JitInfo.GetCompilationTime();
        var samples = new double[repetitions];
        for (var i = 0; i < repetitions; i++)
        {
            var clock = Stopwatch.StartNew();
            await RunAsync(client, workload);
            samples[i] = clock.Elapsed.TotalMilliseconds;
            progress?.Report((warmUp + i + 1) / (double)(warmUp + repetitions));
        }
        var compiling = JitInfo.GetCompilationTime() - compilingBefore;
        Array.Sort(samples);
        return new LatencyResult(repetitions, warmUp, compiling.TotalMilliseconds,
            Percentile(samples, 0.50), Percentile(samples, 0.99), samples[^1]);
    }

    private static async Task RunAsync(SpoolClient client, SpoolWorkload workload)
    {
        var exchange = await SpoolWorkload.CreateExchangeAsync(client, 1);
        await workload.WriteAsync(exchange);
        await workload.ReadAsync(exchange);
        await exchange.CloseAsync();
    }

    /// <summary>Nearest-rank percentile of sorted samples.</summary>
    private static double Percentile(double[] sorted, double fraction) =>
        sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <param name="JitMillisecondsWhileMeasured">What the JIT still compiled during the measured repetitions: near 0 once the warm-up settled it.</param>
public sealed record LatencyResult(int Repetitions, int WarmUpRepetitions, double JitMillisecondsWhileMeasured, double P50Milliseconds,
    double P99Milliseconds, double MaxMilliseconds);
