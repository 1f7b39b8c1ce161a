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

    public static bool IsHdfs(string baseDirectory) =>
        Schemes.Any(scheme => baseDirectory.StartsWith(scheme + "://", StringComparison.OrdinalIgnoreCase));

    /// <param name="skipSchemeValidation">
    /// <c>exchange.hdfs.skip-directory-scheme-validation</c>: any <c>scheme://authority/path</c> is then
    /// taken as a cluster of the XML, as Trino hands any scheme to Hadoop's file system.
    /// </param>
    /// <exception cref="ArgumentException">Not an HDFS URI, or a path with empty, '.' or '..' segments.</exception>
    public static HdfsLocation Parse(string baseDirectory, HadoopConfiguration configuration, bool skipSchemeValidation = false)
    {
        var separator = baseDirectory.IndexOf("://", StringComparison.Ordinal);
        var scheme = separator < 0 ? "" : baseDirectory[..separator].ToLowerInvariant();
        if (separator <= 0 || (!Schemes.Contains(scheme) && !skipSchemeValidation))
            throw new ArgumentException($"'{baseDirectory}' is not an hdfs://nameservice/path URI");
        var rest = baseDirectory[(separator + 3)..];
        var slash = rest.IndexOf('/');
        var authority = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? "" : rest[slash..].TrimEnd('/');
        if (path.Length > 0 && path[1..].Split('/').Any(segment => segment is "" or "." or ".."))
            throw new ArgumentException($"'{baseDirectory}' has an empty, '.' or '..' segment in its path");
        if (authority.Length == 0)
        {
            if (scheme != HdfsScheme)
                throw new ArgumentException($"'{baseDirectory}' names no host");
            var defaultFs = configuration.Get("fs.defaultFS")
                ?? throw new ArgumentException($"'{baseDirectory}' names no cluster and {HdfsOptions.ConfigResourcesKey} sets no fs.defaultFS");
            var cluster = Parse(defaultFs, configuration, skipSchemeValidation);
            if (cluster.Authority.Length == 0)
                throw new ArgumentException($"'{baseDirectory}' names no cluster and {configuration.Describe("fs.defaultFS")} names none either");
            return cluster with { Path = path };
        }
        return new HdfsLocation(scheme, authority, path);
    }

    /// <summary>The absolute HDFS path of a path relative to this base directory.</summary>
    public string PathOf(string relativePath) => $"{Path}/{relativePath}";

    /// <summary>The URI of a path relative to this base directory, for messages.</summary>
    public string UriOf(string relativePath) => $"{Scheme}://{Authority}{PathOf(relativePath)}";

    public override string ToString() => $"{Scheme}://{Authority}{(Path.Length == 0 ? "/" : Path)}";
}
