using System.Diagnostics;
using System.Runtime.InteropServices;
using ExchangeSpool.ContractTests.Azure;

namespace ExchangeSpool.Bench.Tests;

/// <summary>
/// A harness stopped from outside (as <c>timeout</c> stops it, with SIGTERM) ends without disposing
/// what it started; its child processes, which outlive a parent, must end with it. Once a stopped
/// harness left its spool server running.
/// </summary>
public sealed class HarnessExitTests : IDisposable
{
    private const int Sigterm = 15;
    private const int Sigkill = 9;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("bench-exit-").FullName;

    [Fact]
    public async Task HarnessStoppedWithSigterm_KillsItsSpoolServerAndAzurite()
    {
        Assert.True(AzureTestEndpoint.Unavailable is null, AzureTestEndpoint.Unavailable);
        // The Azure section on 256 MiB runs for many seconds after it has started both Azurite and the spool server.
        using var harness = StartHarness("--quick", "--only", "azure", "--azure-bytes", "256MB", "--dir", _directory);
        var children = new List<int>();
        try
        {
            children.AddRange(await WaitForChildrenAsync(harness.Id, ["node", "dotnet"]));

            Assert.Equal(0, Signal(harness.Id, Sigterm));
            await harness.WaitForExitAsync().WaitAsync(Patience);

            var clock = Stopwatch.StartNew();
            while (children.Any(IsRunning) && clock.Elapsed < Patience)
                await Task.Delay(50);
            Assert.Empty(children.Where(IsRunning).Select(pid => $"{pid} {Command(pid)}"));
        }
        finally
        {
            // Whatever this test left, by pid: the harness if SIGTERM did not end it, children it did not kill.
            foreach (var pid in children.Where(IsRunning).Append(harness.HasExited ? -1 : harness.Id).Where(pid => pid > 0))
                Signal(pid, Sigkill);
        }
    }

    private static Process StartHarness(params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ExchangeSpool.Bench.dll"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var harness = Process.Start(start) ?? throw new InvalidOperationException("the harness did not start");
        // Drained, so that its progress display never blocks on a full pipe.
        harness.OutputDataReceived += (_, _) => { };
        harness.ErrorDataReceived += (_, _) => { };
        harness.BeginOutputReadLine();
        harness.BeginErrorReadLine();
        return harness;
    }

    /// <summary>The pids of the parent's children, once it has one running each of <paramref name="programs"/> (their command names).</summary>
    private static async Task<IReadOnlyList<int>> WaitForChildrenAsync(int parent, string[] programs)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Patience)
        {
            var children = Directory.GetDirectories("/proc").Select(path => int.TryParse(Path.GetFileName(path), out var pid) ? pid : 0)
                .Where(pid => pid > 0 && ParentOf(pid) == parent).ToList();
            if (programs.All(program => children.Any(pid => Command(pid) == program)))
                return children;
            await Task.Delay(50);
        }
        throw new TimeoutException($"pid {parent} did not start {string.Join(" and ", programs)} within {Patience}");
    }

    /// <summary>A process that exists and is not a zombie (killed, waiting to be reaped).</summary>
    private static bool IsRunning(int pid) => Stat(pid) is { } stat && stat.State != 'Z';

    private static int? ParentOf(int pid) => Stat(pid)?.Parent;

    private static string? Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>State and parent from <c>/proc/PID/stat</c>: the fields after the command name, which ends at the last ')'.</summary>
    private static (char State, int Parent)? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (fields[0][0], int.Parse(fields[1]));
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
