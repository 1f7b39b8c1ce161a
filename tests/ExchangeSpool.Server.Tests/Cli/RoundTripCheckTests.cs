using ExchangeSpool.Server.Tests.Process;
using ExchangeSpool.Server.Tests.Security;

namespace ExchangeSpool.Server.Tests.Cli;

/// <summary><c>exchange-spool check</c>, the compose file's round-trip service, against real server processes.</summary>
public sealed class RoundTripCheckTests
{
    [Fact]
    public async Task Check_OfAPlainLoopbackServer_WritesAndReadsBackEveryPage()
    {
        using var server = await SpoolProcess.StartAsync();

        var (exitCode, stdout, stderr) = await SpoolProcess.RunToExitAsync("check", $"--address={server.Address}");

        Assert.True(exitCode == 0, $"exit code {exitCode}: {stderr}");
        Assert.Contains("wrote 256 pages", stdout);
        Assert.Contains("read them back intact", stdout);
    }

    [Fact]
    public async Task Check_OverTlsWithTheToken_WritesAndReadsBackEveryPage()
    {
        using var certificates = new TestCertificates();
        var (certificateFile, keyFile, _) = certificates.NewServerCertificate();
        var tokenFile = certificates.WriteTokenFile("check-token");
        using var server = await SpoolProcess.StartAsync($"--exchange.spool.tls.certificate-file={certificateFile}",
            $"--exchange.spool.tls.key-file={keyFile}", $"--exchange.spool.auth.token-file={tokenFile}");

        var (exitCode, stdout, stderr) = await SpoolProcess.RunToExitAsync("check", $"--address={server.Address}",
            $"--ca-file={certificates.CaFile}", $"--token-file={tokenFile}");

        Assert.True(exitCode == 0, $"exit code {exitCode}: {stderr}");
        Assert.Contains("read them back intact", stdout);
    }

    [Fact]
    public async Task Check_WithAWrongToken_FailsWithExitCode1NamingUnauthenticated()
    {
        using var certificates = new TestCertificates();
        var (certificateFile, keyFile, _) = certificates.NewServerCertificate();
        using var server = await SpoolProcess.StartAsync($"--exchange.spool.tls.certificate-file={certificateFile}",
            $"--exchange.spool.tls.key-file={keyFile}", $"--exchange.spool.auth.token-file={certificates.WriteTokenFile("right")}");

        var (exitCode, _, stderr) = await SpoolProcess.RunToExitAsync("check", $"--address={server.Address}",
            $"--ca-file={certificates.CaFile}", $"--token-file={certificates.WriteTokenFile("wrong", "wrong-token")}");

        Assert.Equal(1, exitCode);
        Assert.Contains($"check: {server.Address}: Unauthenticated", stderr);
    }

    [Fact]
    public async Task Check_OfNoServer_FailsWithExitCode1NamingTheAddress()
    {
        var address = $"http://127.0.0.1:{FreePort()}/";

        var (exitCode, _, stderr) = await SpoolProcess.RunToExitAsync("check", $"--address={address}");

        Assert.Equal(1, exitCode);
        Assert.Contains($"check: {address}: Unavailable", stderr);
    }

    [Theory]
    [InlineData("--address=localhost:9477", "--address must be an http:// or https:// URL")]
    [InlineData("--ca-file=x", "--address is required")]
    [InlineData("--adress=http://127.0.0.1:9477", "unexpected argument '--adress=http://127.0.0.1:9477'")]
    public async Task Check_WithABadCommandLine_FailsWithExitCode2SayingWhy(string argument, string problem)
    {
        var (exitCode, _, stderr) = await SpoolProcess.RunToExitAsync("check", argument);

        Assert.Equal(2, exitCode);
        Assert.Contains(problem, stderr);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
