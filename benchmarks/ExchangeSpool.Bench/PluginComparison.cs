using System.Globalization;
using System.Text.RegularExpressions;
using ExchangeSpool.Client;

namespace ExchangeSpool.Bench;

/// <summary>
/// The Trino plugin's throughput against the .NET client's on the same workload and the same server
/// (a child process, default settings): plugin/PluginThroughput.java drives the plugin's SPI as the
/// engine does (compiled here with javac against the plugin's shaded jar and the SPI stubs), then
/// <see cref="SpoolWorkload"/> does the same through the .NET client.
/// </summary>
public static partial class PluginComparison
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);

    /// <summary>Why the plugin cannot be measured here, or null.</summary>
    public static string? Unavailable =>
        ChildProcess.Find("javac") is null || ChildProcess.Find("java") is null ? "no JDK (javac, java) on PATH"
        : Jars() is null ? "the plugin is not built: mvn -B -s src/trino-exchange-spool/settings.xml -f src/trino-exchange-spool/pom.xml package -DskipTests"
        : null;

    public static async Task<PluginResult> MeasureAsync(string directory, int sinks, int partitions, long bytes, int pageSize)
    {
        var classPath = string.Join(':', Jars()!);
        var classes = Path.Combine(directory, "classes");
        Directory.CreateDirectory(classes);
        await ChildProcess.RunAsync("javac", ["--release", "17", "-cp", classPath, "-d", classes,
            Path.Combine(AppContext.BaseDirectory, "plugin", "PluginThroughput.java")], Patience);

        using var server = await ServerProcess.StartAsync(directory, []);
        // The Java driver repeats warm-up rounds of this size until the JVM's JIT settles and reports
        // their total, which the .NET client then gets as its own warm-up.
        var output = await ChildProcess.RunAsync("java", ["-cp", $"{classes}:{classPath}", "PluginThroughput",
            $"{server.Address.Host}:{server.Address.Port}", $"{sinks}", $"{partitions}", $"{bytes}", $"{pageSize}", $"{Throughput.WarmUpBytes(bytes, (long)sinks * pageSize)}"], Patience);
        var match = PluginLine().Match(output);
        if (!match.Success)
            throw new InvalidOperationException($"PluginThroughput printed no figures: {output.Trim()}");
        var plugin = new Directions(new Throughput(bytes, Seconds(match, 1)), new Throughput(bytes, Seconds(match, 2)));
        var warmUpBytes = long.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture);

        using var client = new SpoolClient(server.Address);
        var page = PageData.Random(pageSize);
        await SpoolWorkload.WarmUpAsync(client, sinks, partitions, warmUpBytes, page);
        var workload = new SpoolWorkload(client, sinks, partitions, bytes, page);
        var exchange = await SpoolWorkload.CreateExchangeAsync(client, partitions);
        var write = await Throughput.MeasureAsync(bytes, () => workload.WriteAsync(exchange));
        var read = await Throughput.MeasureAsync(bytes, () => workload.ReadAsync(exchange));
        await exchange.CloseAsync();
        return new PluginResult(sinks, partitions, plugin, new Directions(write, read));
    }

    private static double Seconds(Match match, int group) => double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    /// <summary>The plugin's shaded jar and the SPI stubs it is compiled against, from the repository's Maven build.</summary>
    private static string[]? Jars()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var root = Path.Combine(directory.FullName, "src", "trino-exchange-spool");
            if (!Directory.Exists(root))
                continue;
            var jars = new[]
            {
                Path.Combine(root, "plugin", "target", "trino-exchange-spool-0.1.0.jar"),
                Path.Combine(root, "spi-stubs", "target", "trino-spi-stubs-0.1.0.jar"),
            };
            return jars.All(File.Exists) ? jars : null;
        }
        return null;
    }

    [GeneratedRegex(@"plugin-throughput write-seconds=([0-9.]+) read-seconds=([0-9.]+) bytes=[0-9]+ warm-up-bytes=([0-9]+)")]
    private static partial Regex PluginLine();
}

public sealed record PluginResult(int Sinks, int Partitions, Directions Plugin, Directions DotNet);

/// <summary>The plugin figures, or why there are none in this run.</summary>
public sealed record PluginSection(PluginResult? Result, string? NotMeasured);
