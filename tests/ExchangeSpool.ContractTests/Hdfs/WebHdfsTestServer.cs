using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.ContractTests.Hdfs;

/// <summary>What a fault does to the requests it matches.</summary>
public enum WebHdfsFaultKind
{
    /// <summary>500 with a RemoteException (a namenode's RuntimeException).</summary>
    ServerError,

    /// <summary>The connection is closed before any answer.</summary>
    DropConnection,

    /// <summary>Half of an OPEN's data is sent, then the connection is closed.</summary>
    DropMidBody,

    /// <summary>The request is carried out, then the connection is closed before the answer: the client cannot tell it landed.</summary>
    LoseAnswer,

    /// <summary>403 DSQuotaExceededException, as a namenode answers when a directory's space quota is spent.</summary>
    QuotaExceeded,
}

/// <summary>A fault for the next <paramref name="Times"/> requests of <paramref name="Operation"/> at the namenode or the datanode.</summary>
public sealed record WebHdfsFault(string Operation, WebHdfsFaultKind Kind, bool AtDatanode, int Times = int.MaxValue);

/// <summary>
/// A WebHDFS server for the tests, written to the published REST API (Hadoop 3,
/// <c>hadoop-project-dist/hadoop-hdfs/WebHDFS.html</c>) since no Hadoop can be installed here: an HA
/// pair of namenodes and a datanode, each a Kestrel server on its own loopback port over one
/// <see cref="HdfsNamespace"/>. The standby namenode answers every request with a StandbyException;
/// the active one answers metadata operations itself and CREATE, APPEND and OPEN with 307 to the
/// datanode, which takes and serves the data (and refuses requests that did not come through a
/// namenode). Errors are RemoteException JSON bodies with Hadoop's status codes. Tests flip the
/// active namenode (also after a number of requests), stop one, and inject faults. An HttpFS
/// gateway on a fourth port serves the same namespace as HttpFS does: it takes the data itself,
/// redirecting a CREATE or APPEND to itself with <c>data=true</c>, and answers an OPEN at once.
/// </summary>
public sealed class WebHdfsTestServer : IAsyncDisposable
{
    public const string Nameservice = "testcluster";

    private readonly List<(WebHdfsFault Fault, int[] Left)> _faults = [];
    private readonly WebApplication?[] _namenodes = new WebApplication?[2];
    private WebApplication _datanode = null!;
    private WebApplication _gateway = null!;
    private int _active = 1;
    private (string Operation, int Left)? _failOverAfter;

    private WebHdfsTestServer()
    {
    }

    public HdfsNamespace Namespace { get; } = new();

    public Uri[] NamenodeUris { get; } = new Uri[2];

    public Uri DatanodeUri { get; private set; } = null!;

    /// <summary>The HttpFS gateway's address, for <c>webhdfs://</c> base directories.</summary>
    public Uri HttpFsUri { get; private set; } = null!;

    /// <summary>Which namenode (0 or 1) is active; the other answers StandbyException. The first one starts as standby.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>Requests each role answered, by operation ("nn0 OPEN", "dn CREATE"), for tests.</summary>
    public Dictionary<string, int> Requests { get; } = new(StringComparer.Ordinal);

    /// <param name="certificate">With one, every role serves HTTPS only (<c>dfs.http.policy=HTTPS_ONLY</c>) with it.</param>
    public static async Task<WebHdfsTestServer> StartAsync(X509Certificate2? certificate = null)
    {
        var server = new WebHdfsTestServer();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var namenode = i;
                (server._namenodes[i], server.NamenodeUris[i]) = await StartRoleAsync(context => server.NamenodeAsync(namenode, context), certificate);
            }
            (server._datanode, server.DatanodeUri) = await StartRoleAsync(server.DatanodeAsync, certificate);
            (server._gateway, server.HttpFsUri) = await StartRoleAsync(server.HttpFsAsync, certificate);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The other namenode becomes active, this one standby.</summary>
    public void FailOver() => Interlocked.Exchange(ref _active, 1 - Active);

    /// <summary>Fails over once the active namenode has answered <paramref name="count"/> more requests of <paramref name="operation"/>.</summary>
    public void FailOverAfter(string operation, int count)
    {
        lock (_faults)
            _failOverAfter = (operation, count);
    }

    /// <summary>Stops namenode <paramref name="index"/>: its port refuses connections from now on.</summary>
    public async Task StopNamenodeAsync(int index)
    {
        if (_namenodes[index] is { } app)
        {
            _namenodes[index] = null;
            await app.DisposeAsync();
        }
    }

    public void Inject(WebHdfsFault fault)
    {
        lock (_faults)
            _faults.Add((fault, [fault.Times]));
    }

    public void ClearFaults()
    {
        lock (_faults)
        {
            _faults.Clear();
            _failOverAfter = null;
        }
    }

    public int RequestCount(string role, string operation)
    {
        lock (Requests)
            return Requests.GetValueOrDefault($"{role} {operation}");
    }

    /// <summary>
    /// core-site.xml and hdfs-site.xml for this cluster as an HA nameservice, written into
    /// <paramref name="directory"/>; returns their paths, for <c>hdfs.config.resources</c>.
    /// </summary>
    public IReadOnlyList<string> WriteHadoopXml(string directory)
    {
        Directory.CreateDirectory(directory);
        var https = NamenodeUris[0].Scheme == Uri.UriSchemeHttps;
        var addressKey = https ? "dfs.namenode.https-address" : "dfs.namenode.http-address";
        var coreSite = Path.Combine(directory, "core-site.xml");
        var hdfsSite = Path.Combine(directory, "hdfs-site.xml");
        File.WriteAllText(coreSite, HadoopXml.Configuration(
            ("fs.defaultFS", $"hdfs://{Nameservice}"),
            ("hadoop.security.authentication", "simple")));
        File.WriteAllText(hdfsSite, HadoopXml.Configuration(
            ("dfs.nameservices", Nameservice),
            ($"dfs.ha.namenodes.{Nameservice}", "nn0,nn1"),
            ($"dfs.namenode.rpc-address.{Nameservice}.nn0", "127.0.0.1:8020"),
            ($"dfs.namenode.rpc-address.{Nameservice}.nn1", "127.0.0.1:8021"),
            ($"{addressKey}.{Nameservice}.nn0", NamenodeUris[0].Authority),
            ($"{addressKey}.{Nameservice}.nn1", NamenodeUris[1].Authority),
            ($"dfs.client.failover.proxy.provider.{Nameservice}", "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider"),
            ("dfs.http.policy", https ? "HTTPS_ONLY" : "HTTP_ONLY")));
        return [coreSite, hdfsSite];
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < _namenodes.Length; i++)
            await StopNamenodeAsync(i);
        if (_datanode is not null)
            await _datanode.DisposeAsync();
        if (_gateway is not null)
            await _gateway.DisposeAsync();
    }

    private static async Task<(WebApplication App, Uri Uri)> StartRoleAsync(RequestDelegate handler, X509Certificate2? certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (certificate is not null)
                    listen.UseHttps(certificate);
            });
            kestrel.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address));
    }

    private async Task NamenodeAsync(int index, HttpContext context)
    {
        var request = ParsedRequest.Of(context);
        Count($"nn{index}", request.Operation);
        if (index != Active)
        {
            var category = request.Operation is "GETFILESTATUS" or "LISTSTATUS" or "OPEN" ? "READ" : "WRITE";
            await ErrorAsync(context, new HdfsRemoteError(HttpStatusCode.Forbidden, "org.apache.hadoop.ipc.StandbyException",
                $"Operation category {category} is not supported in state standby. Visit https://s.apache.org/sbnn-error"));
            return;
        }
        if (await InjectedFaultAsync(context, request, atDatanode: false))
            return;
        try
        {
            await AnswerAsNamenodeAsync(context, request);
        }
        catch (HdfsRemoteError e)
        {
            await ErrorAsync(context, e);
        }
        CountTowardsFailover(request.Operation);
    }

    private async Task AnswerAsNamenodeAsync(HttpContext context, ParsedRequest request)
    {
        switch (context.Request.Method, request.Operation)
        {
            case ("GET", "GETFILESTATUS"):
                await JsonAsync(context, new { FileStatus = StatusJson(Namespace.GetStatus(request.Path)) });
                break;
            case ("GET", "LISTSTATUS"):
                await JsonAsync(context, new { FileStatuses = new { FileStatus = Namespace.List(request.Path).Select(StatusJson).ToArray() } });
                break;
            case ("PUT", "MKDIRS"):
                await JsonAsync(context, new { boolean = Namespace.MakeDirectories(request.Path, request.User) });
                break;
            case ("PUT", "RENAME"):
                var destination = request.Query("destination") ?? throw HdfsRemoteError.IllegalArgument("Required param destination for op: RENAME is null");
                await JsonAsync(context, new { boolean = Namespace.Rename(request.Path, destination, request.User) });
                break;
            case ("DELETE", "DELETE"):
                await JsonAsync(context, new { boolean = Namespace.Delete(request.Path, request.Query("recursive") == "true", request.User) });
                break;
            case ("GET", "OPEN"):
                Namespace.CheckReadable(request.Path);
                Redirect(context);
                break;
            case ("PUT", "CREATE") or ("POST", "APPEND"):
                Redirect(context);
                break;
            default:
                throw HdfsRemoteError.IllegalArgument($"Invalid value for webhdfs parameter \"op\": No enum constant for {context.Request.Method} {request.Operation}");
        }
    }

    /// <summary>307 to the same request at the datanode, naming the namenode as a real namenode does.</summary>
    private void Redirect(HttpContext context)
    {
        context.Response.StatusCode = (int)HttpStatusCode.TemporaryRedirect;
        context.Response.Headers.Location = new Uri(DatanodeUri,
            $"{context.Request.Path}{context.Request.QueryString}&namenoderpcaddress={Nameservice}").ToString();
    }

    /// <summary>
    /// HttpFS: a CREATE or APPEND without <c>data=true</c> is redirected to itself with it, and one with
    /// it must carry <c>application/octet-stream</c>; an OPEN is answered with the data; the rest as a namenode.
    /// </summary>
    private async Task HttpFsAsync(HttpContext context)
    {
        var request = ParsedRequest.Of(context);
        Count("httpfs", request.Operation);
        try
        {
            switch (request.Operation)
            {
                case "CREATE" or "APPEND" when request.Query("data") != "true":
                    context.Response.StatusCode = (int)HttpStatusCode.TemporaryRedirect;
                    context.Response.Headers.Location = new Uri(HttpFsUri, $"{context.Request.Path}{context.Request.QueryString}&data=true").ToString();
                    break;
                case "CREATE" or "APPEND" when context.Request.ContentType != "application/octet-stream":
                    throw HdfsRemoteError.IllegalArgument("Data upload requests must have content-type set to 'application/octet-stream'");
                case "CREATE" or "APPEND" or "OPEN":
                    await AnswerAsDatanodeAsync(context, request);
                    break;
                default:
                    await AnswerAsNamenodeAsync(context, request);
                    break;
            }
        }
        catch (HdfsRemoteError e)
        {
            await ErrorAsync(context, e);
        }
    }

    private async Task DatanodeAsync(HttpContext context)
    {
        var request = ParsedRequest.Of(context);
        Count("dn", request.Operation);
        try
        {
            if (request.Query("namenoderpcaddress") is null)
                throw HdfsRemoteError.IllegalArgument($"Required param namenoderpcaddress for op: {request.Operation} is null");
            if (await InjectedFaultAsync(context, request, atDatanode: true))
                return;
            await AnswerAsDatanodeAsync(context, request);
            if (TakeFault(request, atDatanode: true, WebHdfsFaultKind.LoseAnswer) is not null)
                context.Abort();
        }
        catch (HdfsRemoteError e)
        {
            await ErrorAsync(context, e);
        }
    }

    private async Task AnswerAsDatanodeAsync(HttpContext context, ParsedRequest request)
    {
        switch (context.Request.Method, request.Operation)
        {
            case ("PUT", "CREATE"):
                var permission = request.Query("permission") is { } octal ? Convert.ToInt32(octal, 8) : 0b110_100_100;
                Namespace.Create(request.Path, request.User, request.Query("overwrite") == "true", permission, await BodyAsync(context));
                context.Response.StatusCode = (int)HttpStatusCode.Created;
                context.Response.Headers.Location = $"hdfs://{Nameservice}{request.Path}";
                break;
            case ("POST", "APPEND"):
                Namespace.Append(request.Path, request.User, await BodyAsync(context));
                break;
            case ("GET", "OPEN"):
                var offset = long.Parse(request.Query("offset") ?? "0");
                var length = request.Query("length") is { } text ? long.Parse(text) : long.MaxValue;
                var data = Namespace.Read(request.Path, offset, length);
                context.Response.ContentType = "application/octet-stream";
                context.Response.ContentLength = data.Length;
                await context.Response.Body.WriteAsync(data);
                break;
            default:
                throw HdfsRemoteError.IllegalArgument($"Invalid value for webhdfs parameter \"op\": {request.Operation} at a datanode");
        }
    }

    /// <summary>Takes one use of the first fault matching the request (of <paramref name="kind"/>, or of any kind but <see cref="WebHdfsFaultKind.LoseAnswer"/>).</summary>
    private WebHdfsFault? TakeFault(ParsedRequest request, bool atDatanode, WebHdfsFaultKind? kind)
    {
        lock (_faults)
        {
            foreach (var (candidate, left) in _faults)
            {
                if (candidate.Operation == request.Operation && candidate.AtDatanode == atDatanode && left[0] > 0
                    && (kind is null ? candidate.Kind != WebHdfsFaultKind.LoseAnswer : candidate.Kind == kind))
                {
                    left[0]--;
                    return candidate;
                }
            }
        }
        return null;
    }

    /// <summary>Answers with the fault injected for the request, if any, before the request is carried out.</summary>
    private async Task<bool> InjectedFaultAsync(HttpContext context, ParsedRequest request, bool atDatanode)
    {
        var fault = TakeFault(request, atDatanode, kind: null);
        switch (fault?.Kind)
        {
            case null:
                return false;
            case WebHdfsFaultKind.ServerError:
                await ErrorAsync(context, new HdfsRemoteError(HttpStatusCode.InternalServerError, "java.lang.RuntimeException", "injected server error"));
                return true;
            case WebHdfsFaultKind.QuotaExceeded:
                await ErrorAsync(context, new HdfsRemoteError(HttpStatusCode.Forbidden, "org.apache.hadoop.hdfs.protocol.DSQuotaExceededException",
                    $"The DiskSpace quota of {request.Path[..request.Path.LastIndexOf('/')]} is exceeded: quota = 1048576 B = 1 MB but diskspace consumed = 134217728 B = 128 MB"));
                return true;
            case WebHdfsFaultKind.DropConnection:
                context.Abort();
                return true;
            case WebHdfsFaultKind.DropMidBody:
                var data = Namespace.Read(request.Path, long.Parse(request.Query("offset") ?? "0"), long.Parse(request.Query("length") ?? "1048576"));
                context.Response.ContentLength = data.Length;
                await context.Response.Body.WriteAsync(data.AsMemory(0, data.Length / 2));
                await context.Response.Body.FlushAsync();
                context.Abort();
                return true;
            default:
                throw new InvalidOperationException($"fault {fault.Kind} is not answered before the request");
        }
    }

    private void CountTowardsFailover(string operation)
    {
        lock (_faults)
        {
            if (_failOverAfter is not { } pending || pending.Operation != operation)
                return;
            _failOverAfter = pending.Left <= 1 ? null : (operation, pending.Left - 1);
            if (pending.Left <= 1)
                FailOver();
        }
    }

    private void Count(string role, string operation)
    {
        lock (Requests)
            Requests[$"{role} {operation}"] = Requests.GetValueOrDefault($"{role} {operation}") + 1;
    }

    private static async Task<byte[]> BodyAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        return body.ToArray();
    }

    private static Task JsonAsync(HttpContext context, object value)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(value));
    }

    private static Task ErrorAsync(HttpContext context, HdfsRemoteError error)
    {
        context.Response.StatusCode = (int)error.Status;
        return JsonAsync(context, new { RemoteException = new { exception = error.SimpleName, javaClassName = error.JavaClassName, message = error.Message } });
    }

    private static object StatusJson(HdfsNamespace.Status status) => new
    {
        accessTime = status.Type == "FILE" ? status.Modified : 0,
        blockSize = status.Type == "FILE" ? 134217728 : 0,
        childrenNum = status.Children,
        fileId = status.FileId,
        group = "supergroup",
        length = status.Length,
        modificationTime = status.Modified,
        owner = status.Owner,
        pathSuffix = status.PathSuffix,
        permission = status.Permission,
        replication = status.Type == "FILE" ? 1 : 0,
        storagePolicy = 0,
        type = status.Type,
    };

    /// <summary>The operation, path and user of a WebHDFS request (<c>user.name</c>, or Hadoop's static user without one).</summary>
    private sealed record ParsedRequest(string Operation, string Path, string User, IQueryCollection QueryValues)
    {
        private const string Prefix = "/webhdfs/v1";

        public string? Query(string name) => QueryValues.TryGetValue(name, out var value) ? value.ToString() : null;

        public static ParsedRequest Of(HttpContext context)
        {
            var path = context.Request.Path.Value ?? "";
            if (!path.StartsWith(Prefix, StringComparison.Ordinal))
                throw HdfsRemoteError.IllegalArgument($"{path} is not under {Prefix}");
            var query = context.Request.Query;
            var operation = (query.TryGetValue("op", out var op) ? op.ToString() : "").ToUpperInvariant();
            var user = query.TryGetValue("user.name", out var name) ? name.ToString() : "dr.who";
            var hdfsPath = path[Prefix.Length..];
            return new ParsedRequest(operation, hdfsPath.Length == 0 ? "/" : hdfsPath, user, query);
        }
    }
}

/// <summary>Hadoop configuration XML, as the tests write core-site.xml and hdfs-site.xml.</summary>
public static class HadoopXml
{
    public static string Configuration(params (string Name, string Value)[] properties) =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?xml-stylesheet type=\"text/xsl\" href=\"configuration.xsl\"?>\n<configuration>\n"
        + string.Concat(properties.Select(p => $"  <property>\n    <name>{p.Name}</name>\n    <value>{p.Value}</value>\n  </property>\n"))
        + "</configuration>\n";
}
