using System.Diagnostics;

namespace ExchangeSpool.ContractTests.Azure;

/// <summary>
/// A real Azure Blob Storage server on loopback: Microsoft's Azurite (npm package <c>azurite</c>,
/// installed by <c>npm ci --prefix tests/azurite</c>), blob service only, data in memory. Disposing
/// stops it by its pid.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    /// <summary>Azurite's well-known development account and key.</summary>
    public const string Account = "devstoreaccount1";
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly string _workspace;

    private Azurite(Process process, string workspace, int port)
    {
        _process = process;
        _workspace = workspace;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Azurite's node process (npm's <c>azurite-blob</c> is a node script, so the process started is node itself), for a benchmark to pin it to a core.</summary>
    public int Pid => _process.Id;

    /// <summary>The account's Blob endpoint, path style as Azurite serves it.</summary>
    public Uri BlobEndpoint => new($"http://127.0.0.1:{Port}/{Account}");

    public TimeSpan StartTime { get; private set; }

    /// <summary>Where <c>npm ci</c> put Azurite's blob server: tests/azurite/node_modules in the repository.</summary>
    public static string? Executable
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "tests", "azurite", "node_modules", ".bin", "azurite-blob");
                if (File.Exists(candidate))
                    return candidate;
            }
            return null;
        }
    }

    /// <summary>Starts Azurite on a free loopback port; a port lost to another process meanwhile is retried on another.</summary>
    public static async Task<Azurite> StartAsync()
    {
        var executable = Executable ?? throw new InvalidOperationException("azurite is not installed: run npm ci --prefix tests/azurite (tests/run-all.sh does)");
        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var workspace = Path.Combine(Path.GetTempPath(), "spool-azurite-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(workspace);
            var port = S3.RadosGateway.FreePort();
            var start = new ProcessStartInfo(executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = workspace,
            };
            foreach (var argument in new[]
                {
                    "--blobHost", "127.0.0.1", "--blobPort", port.ToString(), "--inMemoryPersistence",
                    // The SDK may speak a newer API version than this Azurite knows; the operations used here are old.
                    "--skipApiVersionCheck", "--disableTelemetry", "--silent",
                })
                start.ArgumentList.Add(argument);
            var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start");
            var azurite = new Azurite(process, workspace, port);
            AppDomain.CurrentDomain.ProcessExit += azurite.KillOnExit;
            var (listening, output) = await azurite.WaitUntilListeningAsync();
            if (listening)
            {
                azurite.StartTime = clock.Elapsed;
                return azurite;
            }
            failures.Add($"attempt {attempt} on port {port}: {output}");
            await azurite.DisposeAsync();
        }
        throw new InvalidOperationException($"azurite-blob did not start three times:\n{string.Join('\n', failures)}");
    }

    /// <summary>True once Azurite says it listens; false, with what it printed, when it exited or stayed silent for a minute.</summary>
    private async Task<(bool Listening, string Output)> WaitUntilListeningAsync()
    {
        var printed = new System.Text.StringBuilder();
        var errors = _process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        try
        {
            while (await _process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                printed.AppendLine(line);
                if (line.Contains("successfully listen", StringComparison.Ordinal))
                {
                    // Keep draining its output, so a full pipe never blocks it.
                    _ = _process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
                    return (true, "");
                }
            }
        }
        catch (OperationCanceledException)
        {
            printed.AppendLine($"(nothing more within {StartTimeout.TotalSeconds}s)");
        }
        if (_process.HasExited)
            printed.Append(await errors);
        return (false, printed.ToString());
    }

    /// <summary>
    /// A child process outlives its parent: when the process that started Azurite exits without
    /// disposing it (the benchmark harness exits so on SIGTERM too), Azurite is killed here rather than
    /// left holding the gigabytes of blobs a benchmark wrote into its memory.
    /// </summary>
    private void KillOnExit(object? sender, EventArgs e)
    {
        if (!_process.HasExited)
            _process.Kill();
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= KillOnExit;
        // Its data is in memory and goes with it: SIGKILL to its pid loses nothing a test needs.
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        if (Directory.Exists(_workspace))
            Directory.Delete(_workspace, recursive: true);
    }
}
