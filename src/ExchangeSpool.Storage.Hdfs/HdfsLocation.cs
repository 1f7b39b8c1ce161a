using ExchangeSpool.Core.Configuration;

namespace ExchangeSpool.Storage.Hdfs;

/// <summary>
/// A base directory on HDFS: <c>hdfs://nameservice/path</c> (an HA nameservice or a namenode's
/// <c>host:port</c>, resolved through the Hadoop XML), <c>hdfs:///path</c> (the cluster of
/// <c>fs.defaultFS</c>), or <c>webhdfs://host:port/path</c> / <c>swebhdfs://</c> naming a namenode's or
/// an HttpFS gateway's HTTP address directly, as Hadoop's own WebHDFS file system does.
/// </summary>
public sealed record HdfsLocation(string Scheme, string Authority, string Path)
{
    public const string HdfsScheme = "hdfs";
    public const string WebHdfsScheme = "webhdfs";
    public const string SecureWebHdfsScheme = "swebhdfs";

    public static IReadOnlyList<string> Schemes { get; } = [HdfsScheme, WebHdfsScheme, SecureWebHdfsScheme];

    /// <summary>True when the authority names HTTP addresses directly rather than a cluster described by the XML.</summary>
    public bool IsDirectHttp => Scheme is WebHdfsScheme or SecureWebHdfsScheme;

    /// <summary>The URI as written, checked; <c>hdfs:///path</c> keeps its empty authority until <see cref="InCluster"/>.</summary>
    /// <exception cref="ArgumentException">Not an HDFS URI, or a path with empty, '.' or '..' segments.</exception>
    public static HdfsLocation Parse(string baseDirectory)
    {
        var separator = baseDirectory.IndexOf("://", StringComparison.Ordinal);
        var scheme = separator < 0 ? "" : baseDirectory[..separator].ToLowerInvariant();
        if (!Schemes.Contains(scheme))
            throw new ArgumentException($"'{baseDirectory}' is not an hdfs://nameservice/path, webhdfs://host:port/path or swebhdfs://host:port/path URI");
        var rest = baseDirectory[(separator + 3)..];
        var slash = rest.IndexOf('/');
        var authority = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? "" : rest[slash..].TrimEnd('/');
        if (path.Length > 0 && path[1..].Split('/').Any(segment => segment is "" or "." or ".."))
            throw new ArgumentException($"'{baseDirectory}' has an empty, '.' or '..' segment in its path");
        if (authority.Length == 0 && scheme != HdfsScheme)
            throw new ArgumentException($"'{baseDirectory}' names no host");
        return new HdfsLocation(scheme, authority, path);
    }

    /// <summary>This location with the cluster of <c>fs.defaultFS</c> when it names none (<c>hdfs:///path</c>).</summary>
    /// <exception cref="ConfigurationException">It names no cluster and the XML has no usable <c>fs.defaultFS</c>.</exception>
    public HdfsLocation InCluster(HadoopConfiguration configuration)
    {
        if (Authority.Length > 0)
            return this;
        var defaultFs = configuration.Get("fs.defaultFS")
            ?? throw new ConfigurationException(HdfsOptions.ConfigResourcesKey, $"'{this}' names no cluster and no fs.defaultFS is set");
        try
        {
            var cluster = Parse(defaultFs);
            if (cluster.Authority.Length > 0)
                return cluster with { Path = Path };
        }
        catch (ArgumentException)
        {
            // Reported below with where the value came from.
        }
        throw new ConfigurationException(HdfsOptions.ConfigResourcesKey, $"'{this}' names no cluster and {configuration.Describe("fs.defaultFS")} is not an hdfs:// URI naming one");
    }

    /// <summary>The absolute HDFS path of a path relative to this base directory.</summary>
    public string PathOf(string relativePath) => $"{Path}/{relativePath}";

    /// <summary>The URI of a path relative to this base directory, for messages.</summary>
    public string UriOf(string relativePath) => $"{Scheme}://{Authority}{PathOf(relativePath)}";

    public override string ToString() => $"{Scheme}://{Authority}{(Path.Length == 0 ? "/" : Path)}";
}
