using ExchangeSpool.Core.Configuration;

namespace ExchangeSpool.Storage.Hdfs;

/// <summary>
/// The WebHDFS addresses of a cluster, found in the Hadoop XML the way Hadoop's clients find them:
/// an HA nameservice (<c>dfs.nameservices</c>, <c>dfs.ha.namenodes.&lt;ns&gt;</c>) lists its namenodes'
/// <c>dfs.namenode.http-address.&lt;ns&gt;.&lt;nn&gt;</c> (or <c>https-address</c> under
/// <c>dfs.http.policy=HTTPS_ONLY</c>); a single namenode named by its RPC <c>host:port</c> has one,
/// from <c>dfs.namenode.http-address</c> or the default port on that host.
/// </summary>
public static class NamenodeAddresses
{
    public const int DefaultHttpPort = 9870;
    public const int DefaultHttpsPort = 9871;

    private const string PolicyKey = "dfs.http.policy";

    /// <exception cref="ConfigurationException">The XML asks for Kerberos, or does not describe the cluster.</exception>
    public static IReadOnlyList<Uri> Resolve(HdfsLocation location, HadoopConfiguration configuration)
    {
        Validate(configuration);
        if (location.IsDirectHttp)
            return [HttpUri(location.Scheme == HdfsLocation.SecureWebHdfsScheme, location.Authority, location)];
        var https = UsesHttps(configuration);
        var addressKey = https ? "dfs.namenode.https-address" : "dfs.namenode.http-address";
        var nameservice = location.Authority;
        var namenodes = configuration.GetList($"dfs.ha.namenodes.{nameservice}");
        if (namenodes.Count > 0)
        {
            return namenodes.Select(namenode =>
            {
                var key = $"{addressKey}.{nameservice}.{namenode}";
                var address = configuration.Get(key)
                    ?? throw new ConfigurationException(HdfsOptions.ConfigResourcesKey, $"{key} is not set, but dfs.ha.namenodes.{nameservice} lists namenode '{namenode}'");
                return HttpUri(https, address, location);
            }).ToArray();
        }
        if (configuration.GetList("dfs.nameservices").Contains(nameservice) && configuration.Get($"{addressKey}.{nameservice}") is null)
            throw new ConfigurationException(HdfsOptions.ConfigResourcesKey, $"nameservice '{nameservice}' has neither dfs.ha.namenodes.{nameservice} nor {addressKey}.{nameservice}");
        var host = nameservice.Split(':')[0];
        var configured = configuration.Get($"{addressKey}.{nameservice}") ?? configuration.Get(addressKey);
        // A wildcard bind address (Hadoop's default 0.0.0.0:9870) says only the port; the host is the namenode's.
        var http = configured is null
            ? $"{host}:{(https ? DefaultHttpsPort : DefaultHttpPort)}"
            : configured.StartsWith("0.0.0.0:", StringComparison.Ordinal) ? $"{host}:{configured[8..]}" : configured;
        return [HttpUri(https, http, location)];
    }

    /// <summary>
    /// What can be checked of the XML alone, at start: Kerberos (SPNEGO) is not built yet, so it stops
    /// the server rather than fail every request with 401; the HTTP policy must be one Hadoop knows.
    /// </summary>
    public static void Validate(HadoopConfiguration configuration)
    {
        if (string.Equals(configuration.Get("hadoop.security.authentication"), "kerberos", StringComparison.OrdinalIgnoreCase))
            throw new ConfigurationException(HdfsOptions.ConfigResourcesKey, $"{configuration.Describe("hadoop.security.authentication")}: Kerberos (SPNEGO) is not supported yet, only simple authentication ({HdfsOptions.UserKey})");
        UsesHttps(configuration);
    }

    private static bool UsesHttps(HadoopConfiguration configuration) => configuration.Get(PolicyKey)?.ToUpperInvariant() switch
    {
        null or "HTTP_ONLY" or "HTTP_AND_HTTPS" => false,
        "HTTPS_ONLY" => true,
        _ => throw new ConfigurationException(HdfsOptions.ConfigResourcesKey, $"{configuration.Describe(PolicyKey)} is not HTTP_ONLY, HTTPS_ONLY or HTTP_AND_HTTPS"),
    };

    private static Uri HttpUri(bool https, string address, HdfsLocation location)
    {
        if (!Uri.TryCreate($"{(https ? "https" : "http")}://{address}/", UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || address.Contains('/'))
            throw new ConfigurationException(HdfsOptions.ConfigResourcesKey, $"'{address}', the HTTP address of {location}, is not host:port");
        return uri;
    }
}
