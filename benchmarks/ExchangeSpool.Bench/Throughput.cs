using System.Diagnostics;

namespace ExchangeSpool.Bench;

/// <summary>Bytes moved in a measured time.</summary>
public sealed record Throughput(long Bytes, double Seconds)
{
    public double GigabytesPerSecond => Bytes / Seconds / 1e9;

    public double RatioTo(Throughput limit) => GigabytesPerSecond / limit.GigabytesPerSecond;

    public static async Task<Throughput> MeasureAsync(long bytes, Func<Task> work)
    {
        var clock = Stopwatch.StartNew();
        await work();
        return new Throughput(bytes, clock.Elapsed.TotalSeconds);
    }
}

/// <summary>Upload (towards the server) and download (from it) of the same bytes.</summary>
public sealed record Directions(Throughput Write, Throughput Read);
