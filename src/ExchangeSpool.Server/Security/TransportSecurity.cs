using System.Security.Cryptography.X509Certificates;
using ExchangeSpool.Server.Configuration;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server.Security;

/// <summary>TLS on the gRPC listener and the bearer token of its calls, each when configured.</summary>
internal static class TransportSecurity
{
    /// <summary>Registers the certificate and the token, each read again when its files change.</summary>
    public static void AddTransportSecurity(this IServiceCollection services, ServerOptions server)
    {
        if (server is { TlsCertificateFile: { } certificateFile, TlsKeyFile: { } keyFile })
            services.AddSingleton(provider => Reloaded(provider, "the TLS certificate", [certificateFile, keyFile],
                () => PemCertificate.Load(certificateFile, keyFile)));
        if (server.AuthTokenFile is { } tokenFile)
            services.AddSingleton(provider => Reloaded(provider, "the bearer token", [tokenFile], () => BearerToken.FromFile(tokenFile)));
    }

    /// <summary>
    /// TLS with the current certificate, picked per handshake: a new connection gets a rotated
    /// certificate at once, connections already open keep theirs.
    /// </summary>
    public static void UseServerCertificate(this ListenOptions listen, IServiceProvider services)
    {
        var certificate = services.GetRequiredService<ReloadedFromFiles<X509Certificate2>>();
        listen.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificateSelector = (_, _) => certificate.Current });
    }

    private static ReloadedFromFiles<T> Reloaded<T>(IServiceProvider provider, string what, string[] paths, Func<T> load) where T : class
    {
        var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TransportSecurity));
        return new ReloadedFromFiles<T>(paths, load,
            () => SecurityLog.Reloaded(logger, what, string.Join(", ", paths)),
            e => SecurityLog.ReloadFailed(logger, what, e.Message));
    }
}
