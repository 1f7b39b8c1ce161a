using System.Diagnostics;

namespace ExchangeSpool.Bench;

/// <summary>
/// The fixed cost of an exchange: create, one sink with one 1 KiB page, finish, plan, read, close,
/// timed end to end, repeated; the first repetitions warm up and are not counted.
/// </summary>
public static class SmallExchangeLatency
{
    private const int WarmUp = 20;

    public static async Task<LatencyResult> MeasureAsync(string directory, int repetitions, IProgress<double>? progress = null)
    {
        await using var server = await InProcessServer.StartAsync(directory);
        using var client = server.CreateClient();
        var workload = new SpoolWorkload(client, sinks: 1, partitions: 1, bytes: 1024, PageData.Random(1024));
        var samples = new double[repetitions];
        for (var i = -WarmUp; i < repetitions; i++)
        {
            var clock = Stopwatch.StartNew();
            var exchange = await SpoolWorkload.CreateExchangeAsync(client, 1);
            await workload.WriteAsync(exchange);
            await workload.ReadAsync(exchange);
            await exchange.CloseAsync();
            if (i >= 0)
            {
                samples[i] = clock.Elapsed.TotalMilliseconds;
                progress?.Report((i + 1) / (double)repetitions);
            }
        }
        Array.Sort(samples);
        return new LatencyResult(repetitions, Percentile(samples, 0.50), Percentile(samples, 0.99), samples[^1]);
    }

    /// <summary>Nearest-rank percentile of sorted samples.</summary>
    private static double Percentile(double[] sorted, double fraction) =>
        sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
}

public sealed record LatencyResult(int Repetitions, double P50Milliseconds, double P99Milliseconds, double MaxMilliseconds);
