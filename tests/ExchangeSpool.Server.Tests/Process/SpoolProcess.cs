using System.Reflection;
using System.Text.RegularExpressions;

namespace ExchangeSpool.Server.Tests.Process;

/// <summary>
/// The real <c>exchange-spool</c> program, run with <c>dotnet exchange-spool.dll</c> on a free
/// loopback port and a fresh base directory. Dispose kills it by its pid and deletes the directory.
/// </summary>
internal sealed partial class SpoolProcess : IDisposable
{
    public const string ListeningPrefix = "exchange-spool listening on ";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static readonly Lazy<string> Executable = new(FindExecutable);

    private readonly ChildProcess _process;

    private SpoolProcess(ChildProcess process, string baseDirectory, Uri address, Uri? metricsAddress)
    {
        _process = process;
        BaseDirectory = baseDirectory;
        Address = address;
        MetricsAddress = metricsAddress;
    }

    public string BaseDirectory { get; }

    /// <summary>The address from the "listening on" line, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri Address { get; }

    /// <summary>Where /metrics, /healthz and /readyz are served, from the "listening on" line; null without exchange.spool.metrics-address.</summary>
    public Uri? MetricsAddress { get; }

    public string Output => _process.Output;

    /// <summary>The first stdout line (printed or still to come) that <paramref name="matches"/> accepts.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> matches) => _process.WaitForLineAsync(matches, Timeout);

    /// <summary>Stops the server as an operator does (SIGTERM to its pid) and waits until it exited, its output read to the end.</summary>
    public async Task<int> StopAsync()
    {
        using (var kill = ChildProcess.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], BaseDirectory))
            await kill.WaitForExitAsync(Timeout);
        return await _process.WaitForExitAsync(Timeout);
    }

    /// <summary>Starts the server and waits until it prints that it is listening.</summary>
    public static Task<SpoolProcess> StartAsync(params string[] extraArguments) => StartAsync(extraArguments, umask: null);

    /// <summary>The same with the process's umask set to <paramref name="umask"/> (octal) by the shell that starts it.</summary>
    public static Task<SpoolProcess> StartUnderUmaskAsync(string umask, params string[] extraArguments) => StartAsync(extraArguments, umask);

    /// <summary>
    /// Starts the server on a properties file, which names the base directories, with these
    /// environment variables; only the address is overridden (a free loopback port).
    /// </summary>
    public static Task<SpoolProcess> StartWithConfigAsync(string configFile, IReadOnlyDictionary<string, string> variables) =>
        StartAsync(["--config", configFile], umask: null, variables, ownBaseDirectory: false);

    private static async Task<SpoolProcess> StartAsync(string[] extraArguments, string? umask,
        IReadOnlyDictionary<string, string>? variables = null, bool ownBaseDirectory = true)
    {
        var baseDirectory = Directory.CreateTempSubdirectory("exchange-spool-process-").FullName;
        ChildProcess? process = null;
        try
        {
            process = Run(
            [
                "--exchange.spool.address=127.0.0.1:0",
                .. ownBaseDirectory ? [$"--exchange.base-directories={baseDirectory}"] : Array.Empty<string>(),
                .. extraArguments,
            ], baseDirectory, umask, variables);
            var line = await process.WaitForLineAsync(l => l.StartsWith(ListeningPrefix, StringComparison.Ordinal), Timeout);
            var address = line[ListeningPrefix.Length..line.IndexOf(' ', ListeningPrefix.Length)];
            var metrics = MetricsOn().Match(line);
            return new SpoolProcess(process, baseDirectory, new Uri(address), metrics.Success ? new Uri(metrics.Groups[1].Value) : null);
        }
        catch
        {
            process?.Dispose();
            Directory.Delete(baseDirectory, recursive: true);
            throw;
        }
    }

    /// <summary>Runs the program with exactly these arguments (in an empty working directory) until it exits.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(params string[] arguments) =>
        RunToExitAsync(arguments, variables: null);

    /// <summary>
    /// The same as an unprivileged user, for checks of file permissions, which root bypasses: when the
    /// tests run as root, the program runs without the capabilities that bypass them (util-linux's
    /// setpriv drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from its bounding set). It stays root
    /// otherwise, so it can still reach its own files wherever the clone is (running it as nobody
    /// failed in a clean clone under a 0700 temporary directory).
    /// </summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunToExitUnprivilegedAsync(params string[] arguments) =>
        RunToExitAsync(arguments, variables: null, unprivileged: Environment.IsPrivilegedProcess);

    /// <summary>Runs the program on a properties file, with these environment variables and a free loopback port, until it exits.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunWithConfigToExitAsync(string configFile, IReadOnlyDictionary<string, string> variables) =>
        RunToExitAsync(["--exchange.spool.address=127.0.0.1:0", "--config", configFile], variables);

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(string[] arguments, IReadOnlyDictionary<string, string>? variables,
        bool unprivileged = false)
    {
        var workingDirectory = Directory.CreateTempSubdirectory("exchange-spool-process-").FullName;
        try
        {
            using var process = unprivileged
                ? ChildProcess.Start("setpriv", ["--bounding-set=-dac_override,-dac_read_search", DotnetHost, Executable.Value, .. arguments],
                    workingDirectory, clearedVariablePrefixes: ["EXCHANGE_"])
                : Run(arguments, workingDirectory, variables: variables);
            var exitCode = await process.WaitForExitAsync(Timeout);
            return (exitCode, process.Stdout, process.Stderr);
        }
        finally
        {
            Directory.Delete(workingDirectory, recursive: true);
        }
    }

    /// <summary>Sends SIGTERM, as Kubernetes and <c>docker stop</c> do, to the server's pid.</summary>
    public Task TerminateAsync() => _process.SignalAsync("TERM");

    /// <summary>The exit code, once the server has exited by itself.</summary>
    public Task<int> WaitForExitAsync() => _process.WaitForExitAsync(Timeout);

    [GeneratedRegex(@"; metrics on (\S+)metrics")]
    private static partial Regex MetricsOn();

    public void Dispose()
    {
        try
        {
            _process.Dispose();
        }
        finally
        {
            if (Directory.Exists(BaseDirectory))
                Directory.Delete(BaseDirectory, recursive: true);
        }
    }

    /// <summary>
    /// Without the test's own EXCHANGE_* variables (EXCHANGE_SPOOL_CONFIG, EXCHANGE_SPOOL_ADDRESS, ...),
    /// so the program sees only the configuration the test gives it.
    /// </summary>
    private static ChildProcess Run(IEnumerable<string> arguments, string workingDirectory, string? umask = null,
        IReadOnlyDictionary<string, string>? variables = null) =>
        umask is null
            ? ChildProcess.Start(DotnetHost, [Executable.Value, .. arguments], workingDirectory, clearedVariablePrefixes: ["EXCHANGE_"], variables)
            : ChildProcess.Start("sh", ["-c", "umask \"$0\" && exec \"$@\"", umask, DotnetHost, Executable.Value, .. arguments], workingDirectory,
                clearedVariablePrefixes: ["EXCHANGE_"]);

    /// <summary>The dotnet host running the tests (the CLI passes it down), else the one on PATH.</summary>
    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>
    /// exchange-spool.dll next to the test assembly (the ProjectReference copies it), else in the
    /// server project's output for the same configuration.
    /// </summary>
    private static string FindExecutable()
    {
        const string fileName = "exchange-spool.dll";
        var nextToTests = Path.Combine(AppContext.BaseDirectory, fileName);
        if (File.Exists(nextToTests))
            return nextToTests;
        var configuration = typeof(SpoolProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var inServerOutput = Path.Combine(Repository.Root, "src", "ExchangeSpool.Server", "bin", configuration, "net10.0", fileName);
        if (File.Exists(inServerOutput))
            return inServerOutput;
        Assert.Fail($"{fileName} is neither next to the tests ({nextToTests}) nor in {inServerOutput}: build src/ExchangeSpool.Server.");
        return null!;
    }
}
