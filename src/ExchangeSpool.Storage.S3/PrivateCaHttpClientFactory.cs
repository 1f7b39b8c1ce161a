using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Amazon.Runtime;

namespace ExchangeSpool.Storage.S3;

/// <summary>
/// HTTP clients that trust the endpoint's certificate when it chains to a CA from a PEM file, as for
/// MinIO behind a private CA (the Stackable example), without touching the machine's trust store.
/// </summary>
internal sealed class PrivateCaHttpClientFactory : HttpClientFactory
{
    private readonly X509Certificate2Collection _roots = new();

    public PrivateCaHttpClientFactory(string pemFile)
    {
        _roots.ImportFromPemFile(pemFile);
        if (_roots.Count == 0)
            throw new ArgumentException($"{S3Options.CaCertificateFileKey}: '{pemFile}' holds no certificate");
    }

    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = Validate },
        };
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
            return true;
        // A name mismatch or a missing certificate is never excused; only an unknown root is.
        if (certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors)
            return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
            custom.ChainPolicy.ExtraStore.AddRange(chain.ChainElements.Select(element => element.Certificate).ToArray());
        return custom.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
    }
}
