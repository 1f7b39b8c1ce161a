using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ExchangeSpool.Bench;

/// <summary>
/// plugin/PluginThroughput.java, compiled with javac against the plugin's shaded jar and the SPI
/// stubs, as a child process that drives the plugin's SPI as the engine does: it warms up until the
/// JVM's JIT settles when started, then measures one round each time the harness asks (a line on its
/// standard input), so that its rounds interleave with the .NET client's. Closing its input ends it;
/// it is killed by its pid if it does not.
/// </summary>
public sealed partial class PluginDriver : IThroughputSubject, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);
    private const int StderrLinesKept = 20;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr;
    private readonly long _bytes;

    private PluginDriver(Process process, ConcurrentQueue<string> stderr, long bytes)
    {
        _process = process;
        _stderr = stderr;
        _bytes = bytes;
    }

    /// <summary>Bytes the driver wrote and read to warm up; the .NET client gets as many.</summary>
    public long WarmUpBytes { get; private set; }

    /// <summary>Why the plugin cannot be driven here, or null.</summary>
    public static string? Unavailable =>
        ChildProcess.Find("javac") is null || ChildProcess.Find("java") is null ? "no JDK (javac, java) on PATH"
        : Jars() is null ? "the plugin is not built: mvn -B -s src/trino-exchange-spool/settings.xml -f src/trino-exchange-spool/pom.xml package -DskipTests"
        : null;

    /// <param name="warmUpRoundBytes">Bytes of one warm-up round; the driver repeats rounds until the JIT settles.</param>
    public static async Task<PluginDriver> StartAsync(string directory, Uri server, int sinks, int partitions, long bytes, int pageSize, long warmUpRoundBytes)
    {
        var classPath = string.Join(':', Jars()!);
        var classes = Path.Combine(directory, "classes");
        Directory.CreateDirectory(classes);
        await ChildProcess.RunAsync("javac", ["--release", "17", "-cp", classPath, "-d", classes,
            Path.Combine(AppContext.BaseDirectory, "plugin", "PluginThroughput.java")], Patience);

        var start = new ProcessStartInfo("java")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-cp", $"{classes}:{classPath}", "PluginThroughput", $"{server.Host}:{server.Port}",
                     $"{sinks}", $"{partitions}", $"{bytes}", $"{pageSize}", $"{warmUpRoundBytes}" })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start java");
        // Standard error is drained for the life of the process (so the JVM never blocks on it); its last lines explain a failure.
        var stderr = new ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is not { } text)
                return;
            stderr.Enqueue(text);
            while (stderr.Count > StderrLinesKept)
                stderr.TryDequeue(out string? _);
        };
        process.BeginErrorReadLine();
        var driver = new PluginDriver(process, stderr, bytes);
        try
        {
            var warmedUp = await driver.ReadLineMatchingAsync(WarmedUpLine());
            driver.WarmUpBytes = long.Parse(warmedUp.Groups[1].Value, CultureInfo.InvariantCulture);
            return driver;
        }
        catch
        {
            driver.Dispose();
            throw;
        }
    }

    public async Task<Directions> MeasureRoundAsync()
    {
        await _process.StandardInput.WriteLineAsync("round");
        await _process.StandardInput.FlushAsync();
        var figures = await ReadLineMatchingAsync(RoundLine());
        return new Directions(new Throughput(_bytes, Seconds(figures, 1)), new Throughput(_bytes, Seconds(figures, 2)));
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000))
                _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // It had already exited.
        }
        _process.Dispose();
    }

    /// <summary>Skips other output (the JVM's and the plugin's own) until a line matches; fails with the driver's last errors if it ends first.</summary>
    private async Task<Match> ReadLineMatchingAsync(Regex pattern)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (await _process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (pattern.Match(line) is { Success: true } match)
                return match;
        }
        await _process.WaitForExitAsync(timeout.Token);
        throw new InvalidOperationException($"PluginThroughput exited with {_process.ExitCode}: {string.Join(" / ", _stderr)}");
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

    [GeneratedRegex(@"^plugin-warmed-up warm-up-bytes=([0-9]+)$")]
    private static partial Regex WarmedUpLine();

    [GeneratedRegex(@"^plugin-throughput write-seconds=([0-9.]+) read-seconds=([0-9.]+) bytes=[0-9]+$")]
    private static partial Regex RoundLine();
}
