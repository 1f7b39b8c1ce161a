using ExchangeSpool.Server.Configuration;
using ExchangeSpool.Server.Security;
using ExchangeSpool.Server.Tests.Configuration;

namespace ExchangeSpool.Server.Tests.Security;

/// <summary>The TLS and token settings: each unusable file stops the start with one line naming the key and the path.</summary>
public sealed class TlsConfigurationTests : IDisposable
{
    private readonly ConfigurationFixture _fixture = new();
    private readonly TestCertificates _certificates = new();

    [Fact]
    public void NonLoopbackAddress_WithTlsAndToken_IsAccepted()
    {
        var (certificateFile, keyFile, _) = _certificates.NewServerCertificate();

        var server = _fixture.LoadConfiguration("--exchange.spool.address=0.0.0.0:9477",
            $"--exchange.spool.tls.certificate-file={certificateFile}", $"--exchange.spool.tls.key-file={keyFile}",
            $"--exchange.spool.auth.token-file={_certificates.WriteTokenFile("t0ken")}").Server;

        Assert.Equal(new ListenAddress("0.0.0.0", 9477), server.Address);
        Assert.True(server.TlsEnabled);
    }

    [Fact]
    public void NonLoopbackAddress_WithTlsButNoToken_NamesTheMissingTokenKey()
    {
        var (certificateFile, keyFile, _) = _certificates.NewServerCertificate();

        var error = _fixture.LoadError("--exchange.spool.address=0.0.0.0:9477",
            $"--exchange.spool.tls.certificate-file={certificateFile}", $"--exchange.spool.tls.key-file={keyFile}");

        Assert.StartsWith("exchange.spool.address: ", error);
        Assert.EndsWith("missing: the token (exchange.spool.auth.token-file)", error);
    }

    [Fact]
    public void CertificateFileThatDoesNotExist_NamesTheKeyAndThePath()
    {
        var (_, keyFile, _) = _certificates.NewServerCertificate();
        var missing = Path.Combine(_certificates.Directory, "missing.crt");

        var error = _fixture.LoadError($"--exchange.spool.tls.certificate-file={missing}", $"--exchange.spool.tls.key-file={keyFile}");

        Assert.StartsWith($"exchange.spool.tls.certificate-file: cannot read '{missing}'", error);
    }

    [Fact]
    public void CertificateFileHoldingNoCertificate_NamesTheKeyAndThePath()
    {
        var (certificateFile, keyFile, _) = _certificates.NewServerCertificate();
        File.WriteAllText(certificateFile, "not a certificate\n");

        var error = _fixture.LoadError($"--exchange.spool.tls.certificate-file={certificateFile}", $"--exchange.spool.tls.key-file={keyFile}");

        Assert.StartsWith($"exchange.spool.tls.certificate-file: '{certificateFile}' holds no PEM certificate", error);
    }

    [Fact]
    public void KeyOfAnotherCertificate_NamesTheKeyFile()
    {
        var (certificateFile, _, _) = _certificates.NewServerCertificate();
        var otherCertificate = Path.Combine(_certificates.Directory, "other.crt");
        var otherKey = Path.Combine(_certificates.Directory, "other.key");
        _certificates.WriteServerCertificate(otherCertificate, otherKey);

        var error = _fixture.LoadError($"--exchange.spool.tls.certificate-file={certificateFile}", $"--exchange.spool.tls.key-file={otherKey}");

        Assert.StartsWith($"exchange.spool.tls.key-file: '{otherKey}' holds no unencrypted PEM private key of the certificate in '{certificateFile}'", error);
    }

    [Fact]
    public void CertificateWithoutKey_NamesTheKeyFileKey()
    {
        var (certificateFile, _, _) = _certificates.NewServerCertificate();

        var error = _fixture.LoadError($"--exchange.spool.tls.certificate-file={certificateFile}");

        Assert.StartsWith("exchange.spool.tls.key-file: is required with exchange.spool.tls.certificate-file", error);
    }

    [Fact]
    public void EmptyTokenFile_NamesTheKeyAndThePath()
    {
        var tokenFile = _certificates.WriteTokenFile("");

        var error = _fixture.LoadError($"--exchange.spool.auth.token-file={tokenFile}");

        Assert.Equal($"exchange.spool.auth.token-file: token file '{tokenFile}' is empty", error);
    }

    [Fact]
    public void TokenFileOfTwoLines_IsRefusedWithoutShowingItsContent()
    {
        var tokenFile = _certificates.WriteTokenFile("first-line\nsecond-line");

        var error = _fixture.LoadError($"--exchange.spool.auth.token-file={tokenFile}");

        Assert.StartsWith($"exchange.spool.auth.token-file: token file '{tokenFile}' holds spaces, line breaks", error);
        Assert.DoesNotContain("first-line", error);
    }

    [Fact]
    public void TokenFile_TrailingLineBreakIsNotPartOfTheToken()
    {
        var token = BearerToken.FromFile(_certificates.WriteTokenFile("t0ken"));

        Assert.True(token.Matches("Bearer t0ken"));
        Assert.True(token.Matches("bearer t0ken"));
        Assert.False(token.Matches("Bearer t0ken\n"));
        Assert.False(token.Matches("Bearer t0ke"));
        Assert.False(token.Matches("t0ken"));
        Assert.False(token.Matches(null));
    }

    public void Dispose()
    {
        _fixture.Dispose();
        _certificates.Dispose();
    }
}
