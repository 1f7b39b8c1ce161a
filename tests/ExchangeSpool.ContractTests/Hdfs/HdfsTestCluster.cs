using System.Text.Json;

namespace ExchangeSpool.ContractTests.Hdfs;

/// <summary>
/// The HDFS the contract suites spool to: the cluster at <c>EXCHANGE_SPOOL_WEBHDFS_URL</c> (a
/// namenode's or HttpFS gateway's WebHDFS address, <c>http://namenode:9870</c>, with the user in
/// <c>EXCHANGE_SPOOL_WEBHDFS_USER</c>), or else a <see cref="WebHdfsTestServer"/> of its own,
/// reached as an HA nameservice through generated core-site.xml and hdfs-site.xml. Each cluster
/// writes under a directory of its own, and the tests look at what is there over WebHDFS itself,
/// the same way on either.
/// </summary>
public sealed class HdfsTestCluster : IAsyncDisposable
{
    public const string UrlVariable = "EXCHANGE_SPOOL_WEBHDFS_URL";
    public const string UserVariable = "EXCHANGE_SPOOL_WEBHDFS_USER";

    private readonly HttpClient _http = new();
    private readonly Uri _webHdfs;

    private HdfsTestCluster(WebHdfsTestServer? server, Uri webHdfs, string user, IReadOnlyList<string> configResources, string root)
    {
        Server = server;
        _webHdfs = webHdfs;
        User = user;
        ConfigResources = configResources;
        Root = root;
    }

    /// <summary>The test server this cluster started, or null for an external cluster.</summary>
    public WebHdfsTestServer? Server { get; }

    public string User { get; }

    public IReadOnlyList<string> ConfigResources { get; }

    /// <summary>What the cluster is, for reports.</summary>
    public string Kind => Server is null ? $"external WebHDFS {_webHdfs}" : "the tests' WebHDFS server (HA pair + datanode) on loopback";

    /// <param name="xmlDirectory">Where the Hadoop XML for the test server goes.</param>
    public static async Task<HdfsTestCluster> StartAsync(string xmlDirectory)
    {
        if (Environment.GetEnvironmentVariable(UrlVariable) is not { Length: > 0 } url)
            return await StartTestServerAsync(xmlDirectory);
        var user = Environment.GetEnvironmentVariable(UserVariable) ?? Environment.UserName;
        return new HdfsTestCluster(null, new Uri(url.TrimEnd('/') + "/"), user, [], NewRoot());
    }

    /// <summary>A cluster on a test server of its own whatever the environment says, for tests that fail namenodes over or inject faults.</summary>
    public static async Task<HdfsTestCluster> StartTestServerAsync(string xmlDirectory)
    {
        var server = await WebHdfsTestServer.StartAsync();
        return new HdfsTestCluster(server, server.NamenodeUris[1], "spool", server.WriteHadoopXml(xmlDirectory), NewRoot());
    }

    /// <summary>The directory a run's base directories are under.</summary>
    public string Root { get; }

    /// <summary>A base directory of this run: under the test server's nameservice, or the external cluster's WebHDFS address.</summary>
    public string BaseDirectory(string name) => Server is null
        ? $"webhdfs://{_webHdfs.Authority}{Root}/{name}"
        : $"hdfs://{WebHdfsTestServer.Nameservice}{Root}/{name}";

    /// <summary>The settings (<c>key=value</c>) that point a spool server at this cluster.</summary>
    public IEnumerable<string> ServerSettings() =>
    [
        .. ConfigResources.Count > 0 ? [$"hdfs.config.resources={string.Join(',', ConfigResources)}"] : Array.Empty<string>(),
        $"exchange.hdfs.user={User}",
    ];

    /// <summary>Every file and directory under this run's directory, by absolute path, that <paramref name="where"/> accepts.</summary>
    public async Task<IReadOnlyList<(string Path, bool IsDirectory)>> EntriesAsync(Func<string, bool> where)
    {
        var entries = new List<(string Path, bool IsDirectory)>();
        await CollectAsync(Root, entries);
        return entries.Where(entry => where(entry.Path)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is null)
            await SendAsync(HttpMethod.Delete, Root, "DELETE&recursive=true");
        else
            await Server.DisposeAsync();
        _http.Dispose();
    }

    private static string NewRoot() => $"/exchange-spool-test-{Guid.NewGuid():N}";

    private async Task CollectAsync(string directory, List<(string Path, bool IsDirectory)> entries)
    {
        using var response = await SendAsync(HttpMethod.Get, directory, "LISTSTATUS");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            return;
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        foreach (var status in json.RootElement.GetProperty("FileStatuses").GetProperty("FileStatus").EnumerateArray())
        {
            var path = $"{directory}/{status.GetProperty("pathSuffix").GetString()}";
            var isDirectory = status.GetProperty("type").GetString() == "DIRECTORY";
            entries.Add((path, isDirectory));
            if (isDirectory)
                await CollectAsync(path, entries);
        }
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string operation) =>
        _http.SendAsync(new HttpRequestMessage(method, new Uri(_webHdfs, $"webhdfs/v1{path}?op={operation}&user.name={Uri.EscapeDataString(User)}")));
}
