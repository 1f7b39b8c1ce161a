using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace ExchangeSpool.Grpc.Tests.Infrastructure;

/// <summary>
/// Runs interop/interop.js with node. Dispose kills the process (by its pid) if it is still running,
/// so a failing test never leaves node behind.
/// </summary>
internal sealed class NodeInteropProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NodeInteropProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data, isStdout: true);
        process.ErrorDataReceived += (_, e) => Append(e.Data, isStdout: false);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static string Directory { get; } = typeof(NodeInteropProcess).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "InteropDirectory").Value!;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static NodeInteropProcess Start(params string[] arguments)
    {
        if (!System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "@grpc", "grpc-js")))
        {
            Assert.Fail(
                $"The interop test needs its npm packages in {Directory}/node_modules: " +
                "run `npm ci --prefix tests/ExchangeSpool.Grpc.Tests/interop` from the repository root.");
        }

        var startInfo = new ProcessStartInfo("node")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("interop.js");
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        return new NodeInteropProcess(Process.Start(startInfo) ?? throw new InvalidOperationException("node did not start."));
    }

    /// <summary>The first line node prints on stdout.</summary>
    public Task<string> FirstLineAsync(TimeSpan timeout) => _firstLine.Task.WaitAsync(timeout);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                Process.GetProcessById(_process.Id).Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
        catch (ArgumentException)
        {
            // No process with that pid any more.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Append(string? line, bool isStdout)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (isStdout)
        {
            _firstLine.TrySetResult(line);
        }
    }
}
