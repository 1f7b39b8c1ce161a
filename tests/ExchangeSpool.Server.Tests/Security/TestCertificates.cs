using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ExchangeSpool.Server.Tests.Security;

/// <summary>
/// A private CA made for one test, and server certificates it signs for 127.0.0.1, written as PEM
/// files into a temporary directory (deleted on dispose) the way a Kubernetes TLS secret holds them.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly RSA _caKey = RSA.Create(2048);
    private readonly X509Certificate2 _ca;

    public TestCertificates(string name = "exchange-spool test CA")
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("exchange-spool-tls-").FullName;
        var now = DateTimeOffset.UtcNow;
        var request = new CertificateRequest($"CN={name}", _caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _ca = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));
        CaFile = Path.Combine(Directory, "ca.crt");
        File.WriteAllText(CaFile, _ca.ExportCertificatePem());
    }

    public string Directory { get; }

    /// <summary>The CA's certificate, for a client's trust.</summary>
    public string CaFile { get; }

    /// <summary>
    /// Signs a new certificate for 127.0.0.1 and writes it and its key into <paramref name="certificateFile"/>
    /// and <paramref name="keyFile"/> (replacing what they held); returns its thumbprint.
    /// </summary>
    public string WriteServerCertificate(string certificateFile, string keyFile)
    {
        var now = DateTimeOffset.UtcNow;
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.Create(_ca, now.AddHours(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(16));
        // The key first and the certificate last: a server reading between the two writes sees a
        // pair that does not match, which it must survive.
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        return certificate.Thumbprint;
    }

    /// <summary>A server certificate and key in this directory: (certificate file, key file, thumbprint).</summary>
    public (string CertificateFile, string KeyFile, string Thumbprint) NewServerCertificate()
    {
        var certificateFile = Path.Combine(Directory, "tls.crt");
        var keyFile = Path.Combine(Directory, "tls.key");
        return (certificateFile, keyFile, WriteServerCertificate(certificateFile, keyFile));
    }

    /// <summary>Writes a token file (with a trailing newline, as <c>echo</c> writes one) and returns its path.</summary>
    public string WriteTokenFile(string token, string name = "token")
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, token + "\n");
        return path;
    }

    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
