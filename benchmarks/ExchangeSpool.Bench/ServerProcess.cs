using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ExchangeSpool.Bench;

/// <summary>
/// The exchange-spool host as a child process, so that its memory is its own and not the harness's.
/// Stopped by its pid (the Process object) on dispose, whatever happened, and killed when the harness
/// exits without disposing it (as it does on SIGTERM, see Program): a child process outlives its parent.
/// </summary>
public sealed partial class ServerProcess : IDisposable, IAsyncDisposable
{
    private readonly Process _process;
    private readonly EventHandler _killOnExit;

    private ServerProcess(Process process, Uri address, Uri? metricsAddress, EventHandler killOnExit)
    {
        _process = process;
        Address = address;
        MetricsAddress = metricsAddress;
        _killOnExit = killOnExit;
    }

    public Uri Address { get; }

    /// <summary>Where the server serves <c>/metrics</c>, when it was started with <c>exchange.spool.metrics-address</c>.</summary>
    public Uri? MetricsAddress { get; }

    public int Pid => _process.Id;

    /// <summary>CPU time (user and system) the server has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static async Task<ServerProcess> StartAsync(string directory, IEnumerable<string> settings)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ServerAssembly());
        foreach (var argument in ServerArguments.For(directory, settings))
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the exchange-spool server");
        EventHandler killOnExit = (_, _) => Kill(process);
        AppDomain.CurrentDomain.ProcessExit += killOnExit;
        var listening = new TaskCompletionSource<(Uri Address, Uri? Metrics)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        // Both pipes are drained for the life of the process, so a chatty server never blocks on them.
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { } text && ListeningLine().Match(text) is { Success: true } match)
                listening.TrySetResult((new Uri(match.Groups[1].Value), MetricsLine().Match(text) is { Success: true } metrics ? new Uri(metrics.Groups[1].Value) : null));
        };
        process.ErrorDataReceived += (_, line) => { if (line.Data is { } text) errors.Enqueue(text); };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException(
            $"exchange-spool exited before listening: {string.Join(" / ", errors)}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var (address, metricsAddress) = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            return new ServerProcess(process, address, metricsAddress, killOnExit);
        }
        catch
        {
            Stop(process, killOnExit);
            throw;
        }
    }

    /// <summary>Resident and peak resident memory (VmRSS, VmHWM) in bytes, from /proc.</summary>
    public (long Rss, long Peak) Memory()
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                rss = KilobytesField(line);
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                peak = KilobytesField(line);
        }
        return (rss, peak);
    }

    public void Dispose() => Stop(_process, _killOnExit);

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static void Stop(Process process, EventHandler killOnExit)
    {
        AppDomain.CurrentDomain.ProcessExit -= killOnExit;
        Kill(process);
        process.WaitForExit(10_000);
        process.Dispose();
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
                process.Kill();
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    private static long KilobytesField(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;

    /// <summary>The dotnet host that runs this harness (the SDK sets DOTNET_HOST_PATH for what it starts), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>
    /// exchange-spool.dll: next to this assembly (the project reference copies it with its runtime
    /// config), else the server project's Release build in the repository.
    /// </summary>
    private static string ServerAssembly()
    {
        var besideUs = Path.Combine(AppContext.BaseDirectory, "exchange-spool.dll");
        if (File.Exists(besideUs) && File.Exists(Path.ChangeExtension(besideUs, ".runtimeconfig.json")))
            return besideUs;
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var built = Path.Combine(directory.FullName, "src", "ExchangeSpool.Server", "bin", "Release", "net10.0", "exchange-spool.dll");
            if (File.Exists(built))
                return built;
        }
        throw new FileNotFoundException("exchange-spool.dll not found; build src/ExchangeSpool.Server in Release");
    }

    [GeneratedRegex(@"listening on (http://\S+?)/? ")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"metrics on (http://\S+/)metrics")]
    private static partial Regex MetricsLine();
}
