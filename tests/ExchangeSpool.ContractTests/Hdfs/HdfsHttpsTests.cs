using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Storage.Hdfs;

namespace ExchangeSpool.ContractTests.Hdfs;

/// <summary>
/// A cluster with <c>dfs.http.policy=HTTPS_ONLY</c> whose namenodes and datanode have certificates
/// from a private CA: trusted through <c>exchange.spool.hdfs.ca-certificate-file</c>, refused without it.
/// </summary>
public sealed class HdfsHttpsTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("spool-hdfs-https-").FullName;
    private WebHdfsTestServer _server = null!;
    private string _caFile = null!;

    public async Task InitializeAsync()
    {
        var (ca, serverCertificate) = PrivateCa();
        _caFile = Path.Combine(_directory, "ca.pem");
        await File.WriteAllTextAsync(_caFile, ca.ExportCertificatePem());
        _server = await WebHdfsTestServer.StartAsync(serverCertificate);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task HttpsOnlyCluster_WithItsCaFile_RoundTrips()
    {
        await using var storage = NewStorage(_caFile);
        var data = RandomNumberGenerator.GetBytes(5 * 1024 * 1024);
        var path = new StoragePath(0, "tls/0_0.data");
        await using (var writer = await storage.CreateFileAsync(path, default))
        {
            await writer.WriteAsync(data, default);
            await writer.CompleteAsync(default);
        }

        await using var reader = await storage.OpenFileAsync(path, default);
        var read = new byte[data.Length];
        Assert.Equal(data.Length, await reader.ReadAsync(0, read, default));

        Assert.Equal(data, read);
        Assert.Equal(Uri.UriSchemeHttps, _server.DatanodeUri.Scheme);
    }

    [Fact]
    public async Task HttpsOnlyCluster_WithoutItsCa_FailsAtOnceNamingTheCertificate()
    {
        await using var storage = NewStorage(caFile: null);

        var error = await Assert.ThrowsAsync<SpoolException>(async () => await storage.ReadSmallFileAsync(new StoragePath(0, "tls/commit"), 100, default));

        Assert.Equal(SpoolErrorReason.StorageUnavailable, error.Reason);
        Assert.StartsWith($"HDFS OPEN hdfs://{WebHdfsTestServer.Nameservice}/spool/tls/commit failed: HttpRequestException:", error.Message);
        Assert.Contains("certificate", error.Message);
    }

    private HdfsStorage NewStorage(string? caFile) => new([$"hdfs://{WebHdfsTestServer.Nameservice}/spool"], new HdfsOptions
    {
        ConfigResources = _server.WriteHadoopXml(Path.Combine(_directory, "conf")),
        User = "spool",
        CaCertificateFile = caFile,
    }, new MemoryBudget(long.MaxValue));

    /// <summary>A CA, and a certificate it signed for 127.0.0.1 with its private key (as Kestrel needs it).</summary>
    private static (X509Certificate2 Ca, X509Certificate2 Server) PrivateCa()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=exchange-spool test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = serverRequest.Create(ca, now.AddDays(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(16));
        using var withKey = signed.CopyWithPrivateKey(serverKey);
        return (ca, X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null));
    }
}
