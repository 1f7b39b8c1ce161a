using System.Diagnostics;

namespace ExchangeSpool.Bench;

/// <summary>
/// Bytes moved in a measured time, and the bytes this process allocated meanwhile (null where the
/// work runs in another process, as the Java plugin does). The spool's server and client both run in
/// this process, so its allocation figure counts both.
/// </summary>
public sealed record Throughput(long Bytes, double Seconds, long? AllocatedBytes = null)
{
    private const double Mebibyte = 1 << 20;

    public double GigabytesPerSecond => Bytes / Seconds / 1e9;

    public double? AllocatedBytesPerMebibyte => AllocatedBytes / (Bytes / Mebibyte);

    public double RatioTo(Throughput reference) => GigabytesPerSecond / reference.GigabytesPerSecond;

    /// <summary>
    /// The unmeasured round every throughput subject runs first, of the same shape: a quarter of the
    /// measured bytes (at least <paramref name="minimum"/>), enough for JIT tiering and the thread pool to settle.
    /// </summary>
    public static long WarmUpBytes(long bytes, long minimum) => Math.Max(bytes / 4, minimum);

    /// <summary>Times <paramref name="work"/> and counts what every thread of this process allocated while it ran.</summary>
    public static async Task<Throughput> MeasureAsync(long bytes, Func<Task> work)
    {
        // Precise: the allocation contexts of all threads are counted, not only what they have already handed back.
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        await work();
        var seconds = clock.Elapsed.TotalSeconds;
        return new Throughput(bytes, seconds, GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore);
    }
}

/// <summary>Upload (towards the server) and download (from it) of the same bytes: one round of a throughput subject.</summary>
public sealed record Directions(Throughput Write, Throughput Read);
