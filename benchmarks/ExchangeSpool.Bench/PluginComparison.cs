using ExchangeSpool.Client;

namespace ExchangeSpool.Bench;

/// <summary>
/// The Trino plugin's throughput against the .NET client's on the same workload and the same server
/// (a child process, default settings): <see cref="PluginDriver"/> drives the plugin's SPI as the
/// engine does, <see cref="SpoolWorkload"/> does the same through the .NET client, in interleaved
/// rounds (plugin, .NET client, plugin, ...).
/// </summary>
public static class PluginComparison
{
    public static async Task<PluginResult> MeasureAsync(string directory, int sinks, int partitions, long bytes, int pageSize, int repetitions,
        IProgress<double> progress)
    {
        using var server = await ServerProcess.StartAsync(directory, []);
        using var plugin = await PluginDriver.StartAsync(directory, server.Address, sinks, partitions, bytes, pageSize,
            Throughput.WarmUpBytes(bytes, (long)sinks * pageSize));
        using var client = new SpoolClient(server.Address);
        var page = PageData.Random(pageSize);
        // The .NET client gets as many warm-up bytes as the Java driver needed for its JIT to settle.
        await SpoolWorkload.WarmUpAsync(client, sinks, partitions, plugin.WarmUpBytes, page);
        var dotNet = new SpoolWorkload(client, sinks, partitions, bytes, page);
        var measured = await Interleaving.MeasureAsync([plugin, dotNet], repetitions, progress);
        return new PluginResult(sinks, partitions, measured[0], measured[1]);
    }
}

public sealed record PluginResult(int Sinks, int Partitions, RepeatedDirections Plugin, RepeatedDirections DotNet);

/// <summary>The plugin figures, or why there are none in this run.</summary>
public sealed record PluginSection(PluginResult? Result, string? NotMeasured);
