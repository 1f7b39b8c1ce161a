using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;

namespace ExchangeSpool.Server.Tests.Process;

/// <summary>
/// The program started on a machine that does not let it run: each case ends with exit code 1 and
/// one line on stderr naming the setting and the path or address, no stack trace, before "listening".
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class StartupCheckTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("exchange-spool-startup-").FullName;

    public void Dispose()
    {
        File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var child in Directory.EnumerateDirectories(_directory))
            File.SetUnixFileMode(child, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task BaseDirectoryThatIsAFile_ExitsWithOneLineNamingKeyAndPath()
    {
        var file = Path.Combine(_directory, "a-file");
        await File.WriteAllTextAsync(file, "in the way");

        var line = await StartupFailureLineAsync($"--exchange.base-directories={file}");

        Assert.Contains("exchange.base-directories", line);
        Assert.Contains(file, line);
    }

    /// <summary>A volume the server's user may not write (a Kubernetes volume without <c>fsGroup</c>); as root the program runs without the capabilities that bypass file modes.</summary>
    [Fact]
    public async Task BaseDirectoryNotWritableForTheServersUser_ExitsWithOneLineNamingKeyAndPath()
    {
        // Others may enter the test's directory, so the one refusal is the base directory's own mode.
        File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var readOnly = Path.Combine(_directory, "read-only");
        Directory.CreateDirectory(readOnly);
        File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        var line = StartupFailureLine(await SpoolProcess.RunToExitUnprivilegedAsync("--exchange.spool.address=127.0.0.1:0", $"--exchange.base-directories={readOnly}"));

        Assert.Contains($"exchange.base-directories: {readOnly} is not writable", line);
        Assert.Contains("denied", line);
    }

    [Theory]
    [InlineData("exchange.spool.address")]
    [InlineData("exchange.spool.metrics-address")]
    public async Task AddressInUse_ExitsWithOneLineNamingItsKeyAndTheAddress(string key)
    {
        using var holder = ListeningLoopbackSocket();
        var address = $"{holder.LocalEndPoint}";

        var line = await StartupFailureLineAsync($"--exchange.base-directories={_directory}/spool", $"--{key}={address}");

        Assert.Contains($"{key}: cannot listen on {address}", line);
    }

    [Fact]
    public async Task S3EndpointRefusingConnections_ExitsWithOneLineNamingKeyAndBucket()
    {
        var closedPort = ClosedLoopbackPort();

        var line = await StartupFailureLineAsync(
            [.. S3Arguments($"http://127.0.0.1:{closedPort}"), "--exchange.s3.max-error-retries=1"]);

        Assert.Contains("exchange.base-directories", line);
        Assert.Contains("s3://spool-bucket/prefix", line);
        Assert.Contains("Connection refused", line);
    }

    [Fact]
    public async Task S3EndpointThatNeverAnswers_FailsWhenTheStartupCheckTimeoutPasses()
    {
        // Accepts connections (the kernel completes them from the backlog) and never reads a byte.
        using var silent = ListeningLoopbackSocket();
        var endpoint = $"http://{silent.LocalEndPoint}";

        var line = await StartupFailureLineAsync([.. S3Arguments(endpoint), "--exchange.spool.startup-check-timeout=2s"]);

        Assert.Contains("exchange.base-directories", line);
        Assert.Contains("s3://spool-bucket/prefix", line);
        Assert.Contains("did not answer within 2s", line);
        Assert.Contains("exchange.spool.startup-check-timeout", line);
    }

    private static string[] S3Arguments(string endpoint) =>
    [
        "--exchange.base-directories=s3://spool-bucket/prefix",
        $"--exchange.s3.endpoint={endpoint}",
        "--exchange.s3.path-style-access=true",
        "--exchange.s3.region=us-east-1",
        "--exchange.s3.aws-access-key=startup-check",
        "--exchange.s3.aws-secret-key=startup-check",
    ];

    /// <summary>A socket listening on a free loopback port, which it holds until disposed; it never accepts.</summary>
    private static Socket ListeningLoopbackSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen();
        return socket;
    }

    /// <summary>A loopback port nothing listens on: bound, then released.</summary>
    private static int ClosedLoopbackPort()
    {
        using var probe = ListeningLoopbackSocket();
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>Runs the program on a free loopback port and these arguments; see <see cref="StartupFailureLine"/>.</summary>
    private static async Task<string> StartupFailureLineAsync(params string[] arguments) =>
        StartupFailureLine(await SpoolProcess.RunToExitAsync(["--exchange.spool.address=127.0.0.1:0", .. arguments]));

    /// <summary>Expects exit code 1, exactly one line on stderr (which it returns) and nothing of a stack trace or a "listening" line.</summary>
    private static string StartupFailureLine((int ExitCode, string Stdout, string Stderr) run)
    {
        var (exitCode, stdout, stderr) = run;
        var report = $"exit code {exitCode}\nstdout: {stdout}\nstderr: {stderr}";
        Assert.True(exitCode == 1, report);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"stderr has {lines.Length} lines, expected one:\n{report}");
        Assert.StartsWith("exchange-spool: startup check failed: ", lines[0]);
        Assert.DoesNotContain(SpoolProcess.ListeningPrefix, stdout);
        Assert.DoesNotContain("Unhandled exception", stdout + stderr);
        Assert.DoesNotContain("   at ", stdout + stderr);
        Assert.DoesNotContain("fail:", stdout);
        return lines[0];
    }
}
