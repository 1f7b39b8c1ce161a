using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ExchangeSpool.Server.Configuration;

/// <summary>The server's TLS certificate and its private key, read from PEM files as Kubernetes TLS secrets and cert-manager hold them.</summary>
public static class PemCertificate
{
    /// <summary>Reads both files; used at start and by every reload after the files change.</summary>
    /// <exception cref="ConfigurationException">A file cannot be read, holds no certificate or key, or the key is not the certificate's; the message names the key and the path.</exception>
    public static X509Certificate2 Load(string certificateFile, string keyFile)
    {
        var certificateText = Read(ServerOptions.TlsCertificateFileKey, certificateFile);
        var keyText = Read(ServerOptions.TlsKeyFileKey, keyFile);
        try
        {
            using var certificateAlone = X509Certificate2.CreateFromPem(certificateText);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new ConfigurationException(ServerOptions.TlsCertificateFileKey, $"'{certificateFile}' holds no PEM certificate: {e.Message}");
        }
        try
        {
            return X509Certificate2.CreateFromPem(certificateText, keyText);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new ConfigurationException(ServerOptions.TlsKeyFileKey,
                $"'{keyFile}' holds no unencrypted PEM private key of the certificate in '{certificateFile}': {e.Message}");
        }
    }

    /// <summary>Why the files cannot serve, as (key, problem), or null when they can.</summary>
    public static (string Key, string Problem)? Problem(string certificateFile, string keyFile)
    {
        try
        {
            Load(certificateFile, keyFile).Dispose();
            return null;
        }
        catch (ConfigurationException e)
        {
            return (e.Subject, e.Problem);
        }
    }

    private static string Read(string key, string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(key, $"cannot read '{path}': {e.Message}");
        }
    }
}
