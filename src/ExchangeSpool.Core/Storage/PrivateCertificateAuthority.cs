using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ExchangeSpool.Core.Storage;

/// <summary>
/// Trusts a server certificate that chains to a CA from a PEM file (a cluster or object store behind
/// a private CA) as well as the machine's trusted roots, without touching the machine's trust store.
/// For any backend's HTTP handler: <c>SslOptions.RemoteCertificateValidationCallback = ca.Validate</c>.
/// </summary>
public sealed class PrivateCertificateAuthority
{
    private readonly X509Certificate2Collection _roots = new();

    /// <exception cref="ArgumentException">The file holds no certificate; the message names <paramref name="settingKey"/>.</exception>
    public PrivateCertificateAuthority(string pemFile, string settingKey)
    {
        _roots.ImportFromPemFile(pemFile);
        if (_roots.Count == 0)
            throw new ArgumentException($"{settingKey}: '{pemFile}' holds no certificate");
    }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
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
