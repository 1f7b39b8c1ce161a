using System.Net;
using ExchangeSpool.Client;
using ExchangeSpool.Server.Tests.Security;

namespace ExchangeSpool.Server.Tests.Process;

/// <summary>The exchange-spool program itself, started as an operator starts it.</summary>
public sealed class ExecutableTests
{
    [Fact]
    public async Task Executable_WithNoConfiguration_StartsOnLoopbackAndAcceptsAnExchange()
    {
        using var spool = await SpoolProcess.StartAsync();
        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(spool.Address.Host)), $"listening on {spool.Address}");
        using var client = new SpoolClient(spool.Address);

        await using var exchange = await client.CreateExchangeAsync("exe", "e", 1, false);
        var sink = exchange.AddSink(0);
        var writer = client.CreateSink(exchange.InstantiateSink(sink, 0));
        writer.Add(0, "first"u8);
        writer.Add(0, "second"u8);
        var result = await writer.FinishAsync().WaitAsync(SpoolProcess.Timeout);
        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        var pages = await RoundTrip.ReadAllAsync(client, exchange);
        var info = await client.GetServerInfoAsync();

        Assert.Equal(2, result.PageCount);
        Assert.Equal(["first", "second"], pages.Select(p => System.Text.Encoding.UTF8.GetString(p)));
        Assert.Equal("local", info.StorageKind);
        Assert.Equal([spool.BaseDirectory], info.BaseDirectories);
    }

    [Fact]
    public async Task Executable_DefaultAddress_IsTheDocumentedLoopbackPort()
    {
        var (exitCode, stdout, stderr) = await SpoolProcess.RunToExitAsync("--help");

        Assert.True(exitCode == 0, $"--help exited with {exitCode}: {stderr}");
        Assert.Contains("--exchange.spool.address  (default 127.0.0.1:9477;", stdout);
    }

    [Fact]
    public async Task Executable_InvalidSetting_ExitsWithOneLineNamingTheKey()
    {
        var line = await ConfigurationErrorLineAsync("--exchange.sink-max-file-size=abc");

        Assert.Contains("exchange.sink-max-file-size", line);
    }

    [Fact]
    public async Task Executable_UnknownKeyInConfigFile_ExitsWithOneLineNamingTheFileAndTheKey()
    {
        var directory = Directory.CreateTempSubdirectory("exchange-spool-process-").FullName;
        try
        {
            var file = Path.Combine(directory, "exchange-manager.properties");
            File.WriteAllLines(file, ["exchange-manager.name=spool", "exchange.no-such-key=1"]);

            var line = await ConfigurationErrorLineAsync("--config", file);

            Assert.Contains(file, line);
            Assert.Contains("exchange.no-such-key", line);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Executable_NonLoopbackAddress_ExitsWithOneLineNamingTheKey()
    {
        var line = await ConfigurationErrorLineAsync("--exchange.spool.address=0.0.0.0:9477");

        Assert.StartsWith("exchange-spool: configuration error: exchange.spool.address: listening on the non-loopback address 0.0.0.0:9477 requires TLS and a bearer token", line);
        Assert.EndsWith("missing: TLS (exchange.spool.tls.certificate-file and exchange.spool.tls.key-file) and the token (exchange.spool.auth.token-file)", line);
    }

    [Fact]
    public async Task Executable_NonLoopbackAddressWithTlsAndToken_ServesOverTls()
    {
        using var certificates = new TestCertificates();
        var (certificateFile, keyFile, _) = certificates.NewServerCertificate();
        var tokenFile = certificates.WriteTokenFile("process-token");
        using var spool = await SpoolProcess.StartAsync("--exchange.spool.address=0.0.0.0:0",
            $"--exchange.spool.tls.certificate-file={certificateFile}", $"--exchange.spool.tls.key-file={keyFile}",
            $"--exchange.spool.auth.token-file={tokenFile}");
        // Listening on every interface; the certificate names 127.0.0.1.
        var loopback = new UriBuilder(spool.Address) { Host = "127.0.0.1" }.Uri;
        using var client = new SpoolClient(loopback, new SpoolClientOptions { CaCertificateFile = certificates.CaFile, BearerTokenFile = tokenFile });

        var pages = await RoundTrip.WriteAndReadAsync(client, ["over", "tls"]);

        Assert.Equal("https://0.0.0.0", spool.Address.GetLeftPart(UriPartial.Authority)[..15]);
        Assert.Contains("(gRPC, TLS, bearer token required)", spool.Output);
        Assert.DoesNotContain("process-token", spool.Output);
        Assert.Equal(["over", "tls"], pages);
    }

    /// <summary>Runs the program, expecting exit code 2 and exactly one line on stderr, which it returns.</summary>
    private static async Task<string> ConfigurationErrorLineAsync(params string[] arguments)
    {
        var (exitCode, stdout, stderr) = await SpoolProcess.RunToExitAsync(arguments);

        Assert.True(exitCode == 2, $"exit code {exitCode}\nstdout: {stdout}\nstderr: {stderr}");
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"stderr has {lines.Length} lines, expected one:\n{stderr}");
        return lines[0];
    }
}
