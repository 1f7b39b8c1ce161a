using System.Diagnostics;
using System.Text;

namespace ExchangeSpool.Server.Tests.Process;

/// <summary>
/// A process a test starts, with its stdout and stderr captured line by line. Dispose kills it (by
/// the pid it was started with, with its whole tree) if it is still running, so a failing test
/// never leaves it behind.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly System.Diagnostics.Process _process;
    private readonly object _gate = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _output = new();
    private readonly List<(Func<string, bool> Matches, TaskCompletionSource<string> Line)> _lineWaiters = [];
    private bool _stdoutClosed;

    private ChildProcess(System.Diagnostics.Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => OnLine(e.Data, _stdout);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data, _stderr);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public string Stdout => Read(_stdout);

    public string Stderr => Read(_stderr);

    /// <summary>Stdout and stderr interleaved as they arrived, for failure messages.</summary>
    public string Output => Read(_output);

    /// <summary>
    /// Starts <paramref name="fileName"/> with the test's environment, less the variables whose names
    /// start with one of <paramref name="clearedVariablePrefixes"/>, plus <paramref name="variables"/>.
    /// </summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, string workingDirectory,
        IEnumerable<string>? clearedVariablePrefixes = null, IReadOnlyDictionary<string, string>? variables = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            startInfo.ArgumentList.Add(argument);
        foreach (var prefix in clearedVariablePrefixes ?? [])
        {
            foreach (var name in startInfo.Environment.Keys.Where(k => k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).ToList())
                startInfo.Environment.Remove(name);
        }
        foreach (var (name, value) in variables ?? new Dictionary<string, string>())
            startInfo.Environment[name] = value;
        var process = System.Diagnostics.Process.Start(startInfo)
            ?? throw new InvalidOperationException($"{fileName} did not start");
        return new ChildProcess(process);
    }

    /// <summary>The first stdout line (already printed or still to come) that <paramref name="matches"/> accepts.</summary>
    /// <exception cref="TimeoutException">No such line in time, or stdout closed without one; names what was printed.</exception>
    public async Task<string> WaitForLineAsync(Func<string, bool> matches, TimeSpan timeout)
    {
        var line = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var printed = _stdout.ToString().Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(matches);
            if (printed is not null)
                return printed;
            if (_stdoutClosed)
                throw new TimeoutException($"the process closed stdout without printing the expected line:\n{_output}");
            _lineWaiters.Add((matches, line));
        }
        try
        {
            return await line.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the expected line was not printed within {timeout}:\n{Output}");
        }
    }

    /// <summary>Waits for the process to exit and its output to be read to the end.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the process did not exit within {timeout}:\n{Output}");
        }
        return _process.ExitCode;
    }

    /// <summary>Sends the signal named <paramref name="signal"/> (TERM, INT, ...) to this process's pid with kill(1).</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Start("kill", [$"-{signal}", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], Environment.CurrentDirectory);
        var exitCode = await kill.WaitForExitAsync(TimeSpan.FromSeconds(30));
        if (exitCode != 0)
            throw new InvalidOperationException($"kill -{signal} {Id} exited with {exitCode}: {kill.Output}");
    }

    /// <summary>Kills the process and its children, by the process's own pid, and waits for it to be gone.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(30));
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private string Read(StringBuilder builder)
    {
        lock (_gate)
            return builder.ToString();
    }

    private void OnLine(string? line, StringBuilder stream)
    {
        var matched = new List<TaskCompletionSource<string>>();
        List<TaskCompletionSource<string>> closed = [];
        lock (_gate)
        {
            if (line is null)
            {
                if (stream == _stdout)
                {
                    _stdoutClosed = true;
                    closed = _lineWaiters.Select(w => w.Line).ToList();
                    _lineWaiters.Clear();
                }
            }
            else
            {
                stream.Append(line).Append('\n');
                _output.Append(line).Append('\n');
                if (stream == _stdout)
                {
                    foreach (var waiter in _lineWaiters.Where(w => w.Matches(line)).ToList())
                    {
                        _lineWaiters.Remove(waiter);
                        matched.Add(waiter.Line);
                    }
                }
            }
        }
        foreach (var waiter in matched)
            waiter.TrySetResult(line!);
        foreach (var waiter in closed)
            waiter.TrySetException(new TimeoutException($"the process closed stdout without printing the expected line:\n{Output}"));
    }
}
