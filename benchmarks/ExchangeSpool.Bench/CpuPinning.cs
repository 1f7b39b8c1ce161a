using System.Diagnostics;

namespace ExchangeSpool.Bench;

/// <summary>
/// Pins processes (every thread) to CPUs with <c>taskset</c>: on a 2-core machine the S3 gateway on
/// one core and everything else on the other comes closer to a remote S3 than all of them competing
/// for both.
/// </summary>
public static class CpuPinning
{
    public static bool IsAvailable => File.Exists("/usr/bin/taskset");

    public static async Task PinAsync(IEnumerable<int> pids, string cpus)
    {
        foreach (var pid in pids)
        {
            var start = new ProcessStartInfo("/usr/bin/taskset") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "--all-tasks", "--cpu-list", "--pid", cpus, pid.ToString() })
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("taskset did not start");
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"taskset {cpus} of pid {pid} exited with {process.ExitCode}: {await error}");
        }
    }
}
