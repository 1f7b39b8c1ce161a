using System.Diagnostics;

namespace ExchangeSpool.Bench;

/// <summary>Bytes moved in a measured time.</summary>
public sealed record Throughput(long Bytes, double Seconds)
{
    public double GigabytesPerSecond => Bytes / Seconds / 1e9;

    public double RatioTo(Throughput limit) => GigabytesPerSecond / limit.GigabytesPerSecond;

    /// <summary>
    /// The unmeasured round every throughput section runs first, of the same shape: a quarter of the
    /// measured bytes (at least <paramref name="minimum"/>), enough for JIT tiering and the thread pool to settle.
    /// </summary>
    public static long WarmUpBytes(long bytes, long minimum) => Math.Max(bytes / 4, minimum);

    public static async Task<Throughput> MeasureAsync(long bytes, Func<Task> work)
    {
        var clock = Stopwatch.StartNew();
        await work();
        return new Throughput(bytes, clock.Elapsed.TotalSeconds);
    }
}

/// <summary>Upload (towards the server) and download (from it) of the same bytes.</summary>
public sealed record Directions(Throughput Write, Throughput Read);
