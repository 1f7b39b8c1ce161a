using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ExchangeSpool.ContractTests.S3;

/// <summary>
/// A real S3 server on loopback: Debian's Ceph as a one-node cluster (monitor, in-memory OSD, RADOS
/// Gateway) in a private temporary directory. Every daemon writes a pid file there; disposing stops
/// each by that pid (SIGTERM, then SIGKILL after a timeout) and deletes the directory.
/// </summary>
public sealed class RadosGateway : IAsyncDisposable
{
    private const string GatewayName = "client.rgw.spool";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(8);

    // The OSD keeps objects in memory. Deleted objects' data (the parts of a multipart object) is
    // freed by the gateway's garbage collector, by default 2 hours after the delete and once an
    // hour; a benchmark writing and deleting gigabytes round after round filled the store, the
    // cluster went FULL and paused every write, and the gateway stopped answering. Collected within
    // seconds here, as long as a ranged read of an object replaced meanwhile is likely to take.
    private const long MemstoreBytes = 8L << 30;
    private static readonly TimeSpan GarbageMinWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan GarbageCollectionPeriod = TimeSpan.FromSeconds(10);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "spool-rgw-" + Guid.NewGuid().ToString("N")[..12]);

    private RadosGateway()
    {
    }

    public Uri Endpoint { get; private set; } = null!;

    public string AccessKey { get; } = "spool-test";

    public string SecretKey { get; } = Guid.NewGuid().ToString("N");

    /// <summary>The role tests assume through STS (<c>exchange.s3.iam-role</c>).</summary>
    public string RoleArn => $"arn:aws:iam:::role/{RoleName}";

    private const string RoleName = "spool-exchange";

    /// <summary>The key the gateway encrypts STS session tokens with; Ceph wants exactly 16 characters.</summary>
    private string StsKey { get; } = Guid.NewGuid().ToString("N")[..16];

    public TimeSpan StartTime { get; private set; }

    public TimeSpan StopTime { get; private set; }

    private string ConfigFile => Path.Combine(_directory, "ceph.conf");

    /// <summary>The Debian packages this needs; tests/run-all.sh installs them.</summary>
    public static bool IsInstalled => File.Exists("/usr/bin/radosgw") && File.Exists("/usr/bin/ceph-osd") && File.Exists("/usr/bin/ceph-mon");

    /// <summary>
    /// Boots a fresh cluster; a boot that fails (now and then the OSD is refused with "wrong fsid") is
    /// torn down and tried again, three boots at most. The last failure names every boot's error and
    /// the end of each daemon's log, since the test output is all a CI run keeps of them.
    /// </summary>
    public static async Task<RadosGateway> StartAsync()
    {
        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var gateway = new RadosGateway();
            try
            {
                AppDomain.CurrentDomain.ProcessExit += gateway.KillOnExit;
                await gateway.BootAsync();
                gateway.StartTime = clock.Elapsed;
                return gateway;
            }
            catch (Exception e)
            {
                failures.Add($"boot {attempt} after {clock.Elapsed.TotalSeconds:F0}s: {e.GetType().Name}: {e.Message}\n{gateway.LogTails()}");
                await gateway.DisposeAsync();
            }
        }
        throw new InvalidOperationException($"the RADOS Gateway did not boot three times:\n{string.Join('\n', failures)}");
    }

    /// <summary>The last lines of every daemon's log.</summary>
    private string LogTails()
    {
        var logs = Path.Combine(_directory, "log");
        return Directory.Exists(logs)
            ? string.Concat(Directory.GetFiles(logs, "*.log").Order().Select(log => $"  {Path.GetFileName(log)}: ...\n    {string.Join("\n    ", File.ReadLines(log).TakeLast(8))}\n"))
            : "  (no logs)";
    }

    private async Task BootAsync()
    {
        Directory.CreateDirectory(_directory);
        foreach (var sub in new[] { "run", "log", "mon/mon.a", "osd/osd.0" })
            Directory.CreateDirectory(Path.Combine(_directory, sub));
        var fsid = Guid.NewGuid().ToString();
        var monitor = $"v1:127.0.0.1:{FreePort()}";
        await File.WriteAllTextAsync(ConfigFile, $"""
            [global]
            fsid = {fsid}
            mon host = {monitor}
            auth cluster required = none
            auth service required = none
            auth client required = none
            osd objectstore = memstore
            memstore device bytes = {MemstoreBytes}
            osd pool default size = 1
            osd pool default min size = 1
            mon allow pool size one = true
            osd crush chooseleaf type = 0
            run dir = {_directory}/run
            log file = {_directory}/log/$name.log
            admin socket = {_directory}/run/$name.asok
            pid file = {_directory}/run/$name.pid
            mon data = {_directory}/mon/$name
            osd data = {_directory}/osd/$name
            keyring = {_directory}/keyring

            [{GatewayName}]
            rgw data = {_directory}/rgw
            rgw sts key = {StsKey}
            rgw s3 auth use sts = true
            rgw gc obj min wait = {GarbageMinWait.TotalSeconds}
            rgw gc processor period = {GarbageCollectionPeriod.TotalSeconds}

            """);
        var keyring = Path.Combine(_directory, "keyring");
        var monmap = Path.Combine(_directory, "monmap");
        await RunAsync("ceph-authtool", "--create-keyring", keyring, "--gen-key", "-n", "mon.", "--cap", "mon", "allow *");
        await RunAsync("monmaptool", "--create", "--addv", "a", monitor, "--fsid", fsid, monmap);
        await RunAsync("ceph-mon", "-c", ConfigFile, "--mkfs", "-i", "a", "--monmap", monmap, "--keyring", keyring);
        await RunAsync("ceph-mon", "-c", ConfigFile, "-i", "a");
        var osd = Guid.NewGuid().ToString();
        await CephAsync("osd", "new", osd);
        await RunAsync("ceph-osd", "-c", ConfigFile, "-i", "0", "--mkfs", "--osd-uuid", osd);
        await RunAsync("ceph-osd", "-c", ConfigFile, "-i", "0");
        await CephAsync("osd", "crush", "add-bucket", "localhost", "host");
        await CephAsync("osd", "crush", "move", "localhost", "root=default");
        await CephAsync("osd", "crush", "add", "osd.0", "1.0", "host=localhost");
        await StartGatewayAsync();
        await RunAsync("radosgw-admin", "-c", ConfigFile, "user", "create", "--uid=spool", "--display-name=spool",
            $"--access-key={AccessKey}", $"--secret={SecretKey}");
        await CreateRoleAsync();
    }

    /// <summary>
    /// A role the test user may assume through the gateway's STS, allowed all of S3. Its trust policy
    /// cannot ask for an external id: with an <c>sts:ExternalId</c> condition Ceph 16 refuses every
    /// AssumeRole (AccessDenied), the right id included.
    /// </summary>
    private async Task CreateRoleAsync()
    {
        const string trust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam:::user/spool"]},"Action":["sts:AssumeRole"]}]}""";
        const string permissions = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::*"]}]}""";
        await RunAsync("radosgw-admin", "-c", ConfigFile, "role", "create", $"--role-name={RoleName}", "--path=/",
            $"--assume-role-policy-doc={trust}");
        await RunAsync("radosgw-admin", "-c", ConfigFile, "role-policy", "put", $"--role-name={RoleName}", "--policy-name=spool-s3",
            $"--policy-doc={permissions}");
    }

    /// <summary>The gateway's port is picked free outside the ephemeral range; a lost race for it is retried on another.</summary>
    private async Task StartGatewayAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            await RunAsync("radosgw", "-c", ConfigFile, "-n", GatewayName, "--rgw-frontends", $"beast endpoint=127.0.0.1:{port}");
            Endpoint = new Uri($"http://127.0.0.1:{port}");
            if (await WaitForHttpAsync(Endpoint))
                return;
            if (attempt == 3)
                throw new InvalidOperationException($"radosgw did not answer on {Endpoint}");
            await StopAsync(PidFile(GatewayName));
        }
    }

    /// <summary>True once the gateway answers HTTP; false when it exited (its port was taken) or did not answer within a minute.</summary>
    private async Task<bool> WaitForHttpAsync(Uri endpoint)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + CommandTimeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync(endpoint);
                return true;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            if (File.Exists(PidFile(GatewayName)) && ReadPid(PidFile(GatewayName)) is { } pid && !IsOurs(pid))
                return false;
            await Task.Delay(200);
        }
        return false;
    }

    private Task CephAsync(params string[] arguments) => RunAsync("ceph", ["-c", ConfigFile, "--connect-timeout", "30", .. arguments]);

    /// <summary>Runs a tool (or a daemon's start, which forks and returns) and fails with its output if it fails.</summary>
    /// <summary>Runs a Ceph command to its end; returns its standard output.</summary>
    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in {CommandTimeout.TotalSeconds}s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}{await output}");
        return await output;
    }

    /// <summary>The running daemons (monitor, OSD, gateway) of this gateway, for a benchmark to pin them to a core.</summary>
    public IReadOnlyList<int> DaemonPids
    {
        get
        {
            var runDirectory = Path.Combine(_directory, "run");
            return Directory.Exists(runDirectory)
                ? Directory.GetFiles(runDirectory, "*.pid").Select(ReadPid).OfType<int>().Where(IsOurs).ToArray()
                : [];
        }
    }

    /// <summary>
    /// The daemons detach from the process that started them: when it ends without disposing (a
    /// benchmark stopped with Ctrl-C or SIGTERM), they are killed here, not left running.
    /// </summary>
    private void KillOnExit(object? sender, EventArgs e)
    {
        foreach (var pid in DaemonPids)
            Kill(pid, Sigkill);
    }

    /// <summary>Garbage the gateway holds for collection (data of deleted objects): the objects listed by <c>radosgw-admin gc list --include-all</c>.</summary>
    public async Task<int> PendingGarbageCountAsync()
    {
        var list = await RunAsync("radosgw-admin", "-c", ConfigFile, "gc", "list", "--include-all");
        return System.Text.Json.JsonDocument.Parse(list).RootElement.EnumerateArray().Sum(entry => entry.GetProperty("objs").GetArrayLength());
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= KillOnExit;
        var clock = Stopwatch.StartNew();
        var runDirectory = Path.Combine(_directory, "run");
        if (Directory.Exists(runDirectory))
            await Task.WhenAll(Directory.GetFiles(runDirectory, "*.pid").Select(StopAsync));
        StopTime = clock.Elapsed;
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    /// <summary>SIGTERM to the pid in the file, SIGKILL if it is still running after <see cref="StopTimeout"/>.</summary>
    private async Task StopAsync(string pidFile)
    {
        if (ReadPid(pidFile) is not { } pid || !IsOurs(pid))
            return;
        Kill(pid, Sigterm);
        var deadline = DateTime.UtcNow + StopTimeout;
        while (IsOurs(pid) && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        if (IsOurs(pid))
            Kill(pid, Sigkill);
        while (IsOurs(pid))
            await Task.Delay(50);
        File.Delete(pidFile);
    }

    private string PidFile(string daemon) => Path.Combine(_directory, "run", $"{daemon}.pid");

    private static int? ReadPid(string pidFile)
    {
        try
        {
            return int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Alive and started with this gateway's ceph.conf, so a pid reused by another process is never signalled.</summary>
    private bool IsOurs(int pid)
    {
        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline");
            return commandLine.Contains(ConfigFile, StringComparison.Ordinal) && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ");
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>A free loopback port below Linux's ephemeral range (32768+), where a daemon's outgoing connection cannot take it meanwhile.</summary>
    internal static int FreePort()
    {
        while (true)
        {
            var port = Random.Shared.Next(20000, 32000);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }
    }

    private const int Sigterm = 15;
    private const int Sigkill = 9;

    private static void Kill(int pid, int signal) => _ = NativeKill(pid, signal);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int NativeKill(int pid, int signal);
}
