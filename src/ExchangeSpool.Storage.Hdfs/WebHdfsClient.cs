using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.Hdfs;

/// <summary>A file or directory as GETFILESTATUS and LISTSTATUS describe it.</summary>
internal readonly record struct HdfsFileStatus(string Name, bool IsDirectory, long Length, DateTimeOffset Modified);

/// <summary>
/// The WebHDFS REST API of one cluster (<c>/webhdfs/v1/&lt;path&gt;?op=...&amp;user.name=...</c>), over
/// one connection pool. CREATE, APPEND and OPEN take two steps: the namenode answers 307 with a
/// datanode's location, where the data goes (an HttpFS gateway redirects to itself, or answers an
/// OPEN at once). Every request goes to the namenode last known active; a StandbyException, a 403
/// without a RemoteException or a connection failure moves to the next namenode of the nameservice
/// at once, a whole round of them without an active one waits like any retry. Server errors,
/// busy or recovering namenodes and broken connections are retried with capped, jittered backoff,
/// at most <see cref="HdfsOptions.MaxErrorRetries"/> times within <see cref="HdfsOptions.MaxRetryTime"/>;
/// a failure that remains is a <see cref="SpoolException"/> naming the operation, the path and the
/// Hadoop exception class.
/// </summary>
internal sealed class WebHdfsClient : IDisposable
{
    private static readonly MediaTypeHeaderValue OctetStream = new("application/octet-stream");

    private readonly HttpClient _http;
    private readonly Uri[] _namenodes;
    private readonly HdfsOptions _options;
    private readonly string _userQuery;
    private int _active;

    public WebHdfsClient(string cluster, IReadOnlyList<Uri> namenodes, HdfsOptions options, HdfsRequestCounters counters)
    {
        Cluster = cluster;
        _namenodes = [.. namenodes];
        _options = options;
        Counters = counters;
        _userQuery = "&user.name=" + Uri.EscapeDataString(options.EffectiveUser);
        var handler = new SocketsHttpHandler
        {
            // The datanode step is ours to take: it carries the data, and a redirect must not resend it blindly.
            AllowAutoRedirect = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        if (options.CaCertificateFile is { } caFile)
        {
            var ca = new PrivateCertificateAuthority(caFile, HdfsOptions.CaCertificateFileKey);
            handler.SslOptions.RemoteCertificateValidationCallback = ca.Validate;
        }
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary><c>hdfs://nameservice</c>, for messages.</summary>
    public string Cluster { get; }

    public HdfsRequestCounters Counters { get; }

    /// <summary>The namenode requests go to first.</summary>
    public Uri ActiveNamenode => _namenodes[Volatile.Read(ref _active)];

    /// <summary>The file's or directory's status, or null when it does not exist.</summary>
    public Task<HdfsFileStatus?> GetFileStatusAsync(string path, CancellationToken cancellationToken) =>
        ExecuteAsync<HdfsFileStatus?>("GETFILESTATUS", path, async (namenode, _, token) =>
        {
            try
            {
                using var response = await NamenodeAsync(HttpMethod.Get, namenode, "GETFILESTATUS", path, "", token).ConfigureAwait(false);
                using var json = await ReadJsonAsync(response, token).ConfigureAwait(false);
                return Status(json.RootElement.GetProperty("FileStatus"), name: path[(path.LastIndexOf('/') + 1)..]);
            }
            catch (WebHdfsRemoteException e) when (e.IsFileNotFound)
            {
                return null;
            }
        }, cancellationToken);

    /// <summary>What is directly under a directory; null when it does not exist.</summary>
    public Task<HdfsFileStatus[]?> ListStatusAsync(string path, CancellationToken cancellationToken) =>
        ExecuteAsync<HdfsFileStatus[]?>("LISTSTATUS", path, async (namenode, _, token) =>
        {
            try
            {
                using var response = await NamenodeAsync(HttpMethod.Get, namenode, "LISTSTATUS", path, "", token).ConfigureAwait(false);
                using var json = await ReadJsonAsync(response, token).ConfigureAwait(false);
                return json.RootElement.GetProperty("FileStatuses").GetProperty("FileStatus").EnumerateArray()
                    .Select(status => Status(status, status.GetProperty("pathSuffix").GetString()!))
                    .ToArray();
            }
            catch (WebHdfsRemoteException e) when (e.IsFileNotFound)
            {
                return null;
            }
        }, cancellationToken);

    /// <summary>RENAME without overwrite: false when the destination exists (or the source does not), as HDFS answers.</summary>
    public Task<bool> RenameAsync(string path, string destination, CancellationToken cancellationToken) =>
        BooleanAsync(HttpMethod.Put, "RENAME", path, "&destination=" + Uri.EscapeDataString(destination), cancellationToken);

    /// <summary>DELETE; false when there was nothing to delete.</summary>
    public Task<bool> DeleteAsync(string path, bool recursive, CancellationToken cancellationToken) =>
        BooleanAsync(HttpMethod.Delete, "DELETE", path, recursive ? "&recursive=true" : "&recursive=false", cancellationToken);

    /// <summary>
    /// CREATE with <paramref name="content"/> (a new body for each attempt) as the whole file;
    /// with <paramref name="overwrite"/> a retried create replaces what an earlier attempt left. The
    /// namenode makes the parent directories. Throws <see cref="WebHdfsRemoteException"/> for a
    /// FileAlreadyExistsException without overwrite, so the caller can tell it from a failure.
    /// </summary>
    public Task CreateAsync(string path, Func<HttpContent> content, bool overwrite, CancellationToken cancellationToken) =>
        ExecuteAsync("CREATE", path, async (namenode, _, token) =>
        {
            using var response = await RedirectedAsync(HttpMethod.Put, namenode, "CREATE", path,
                $"&overwrite={(overwrite ? "true" : "false")}&permission=600", content, token).ConfigureAwait(false);
            return true;
        }, cancellationToken, passThrough: e => e.ExceptionClass == "FileAlreadyExistsException");

    /// <summary>
    /// APPEND of <paramref name="length"/> bytes to a file that has <paramref name="start"/>. An append
    /// is not idempotent, so before a retry the file's length tells whether the failed attempt landed
    /// after all (done), did not (sent again), or left the file at neither length (the write fails).
    /// </summary>
    public Task AppendAsync(string path, Func<HttpContent> content, long start, long length, CancellationToken cancellationToken) =>
        ExecuteAsync("APPEND", path, async (namenode, attempt, token) =>
        {
            if (attempt > 0)
            {
                using var status = await NamenodeAsync(HttpMethod.Get, namenode, "GETFILESTATUS", path, "", token).ConfigureAwait(false);
                using var json = await ReadJsonAsync(status, token).ConfigureAwait(false);
                var now = json.RootElement.GetProperty("FileStatus").GetProperty("length").GetInt64();
                if (now == start + length)
                    return true;
                if (now != start)
                    throw new SpoolException(SpoolErrorReason.StorageUnavailable,
                        $"HDFS APPEND {Cluster}{path} failed: the file has {now} bytes after a failed append, neither the {start} before it nor the {start + length} after it");
            }
            using var response = await RedirectedAsync(HttpMethod.Post, namenode, "APPEND", path, "", content, token).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>
    /// OPEN of <paramref name="destination"/>'s length from <paramref name="offset"/>; returns the bytes
    /// read, fewer only at the end of the file. A body that ends early is retried. A missing file
    /// throws <see cref="WebHdfsRemoteException"/> (FileNotFoundException) for the caller to name.
    /// </summary>
    public Task<int> OpenAsync(string path, long offset, Memory<byte> destination, int expected, CancellationToken cancellationToken) =>
        ExecuteAsync("OPEN", path, async (namenode, _, token) =>
        {
            using var response = await RedirectedAsync(HttpMethod.Get, namenode, "OPEN", path,
                $"&offset={offset}&length={destination.Length}", content: null, token).ConfigureAwait(false);
            await using var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            var read = await body.ReadAtLeastAsync(destination, destination.Length, throwOnEndOfStream: false, token).ConfigureAwait(false);
            if (read < expected)
                throw new IOException($"the response ended after {read} of {expected} bytes");
            return read;
        }, cancellationToken, passThrough: e => e.IsFileNotFound);

    public void Dispose() => _http.Dispose();

    private Task<bool> BooleanAsync(HttpMethod method, string operation, string path, string query, CancellationToken cancellationToken) =>
        ExecuteAsync(operation, path, async (namenode, _, token) =>
        {
            using var response = await NamenodeAsync(method, namenode, operation, path, query, token).ConfigureAwait(false);
            using var json = await ReadJsonAsync(response, token).ConfigureAwait(false);
            return json.RootElement.GetProperty("boolean").GetBoolean();
        }, cancellationToken);

    private async Task<T> ExecuteAsync<T>(string operation, string path, Func<Uri, int, CancellationToken, Task<T>> call,
        CancellationToken cancellationToken, Func<WebHdfsRemoteException, bool>? passThrough = null)
    {
        var backoff = new RetryBackoff(_options.MaxRetryTime);
        var failoversInRound = 0;
        for (var attempt = 0; ; attempt++)
        {
            var active = Volatile.Read(ref _active);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.RequestTimeout);
            Exception failure;
            try
            {
                using var inFlight = Counters.Start(operation);
                return await call(_namenodes[active], attempt, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (WebHdfsRemoteException e) when (passThrough?.Invoke(e) == true)
            {
                throw;
            }
            catch (SpoolException)
            {
                throw;
            }
            catch (Exception e)
            {
                failure = e;
            }
            if (attempt >= _options.MaxErrorRetries)
            {
                Counters.Error(operation);
                throw Failed(operation, path, failure, attempt + 1);
            }
            if (IsFailover(failure) && _namenodes.Length > 1)
            {
                Interlocked.CompareExchange(ref _active, (active + 1) % _namenodes.Length, active);
                Counters.Failover();
                // The other namenodes are tried at once; only a whole round without an active one waits.
                if (++failoversInRound < _namenodes.Length)
                {
                    Counters.Retry(operation);
                    continue;
                }
                failoversInRound = 0;
            }
            var delay = RetryBackoff.Delay(attempt);
            if (!IsRetryable(failure) || !backoff.Allows(delay))
            {
                Counters.Error(operation);
                throw Failed(operation, path, failure, attempt + 1);
            }
            Counters.Retry(operation);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One request to <paramref name="namenode"/>; an error answer throws <see cref="WebHdfsRemoteException"/>.</summary>
    private async Task<HttpResponseMessage> NamenodeAsync(HttpMethod method, Uri namenode, string operation, string path, string query, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, RequestUri(namenode, operation, path, query));
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException || e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            throw new NamenodeUnreachableException(namenode, e);
        }
        return await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The namenode step, then, on its 307, the same request with the body to the location it names.
    /// A namenode or gateway that answers with the data at once (HttpFS's OPEN) is read from directly.
    /// </summary>
    private async Task<HttpResponseMessage> RedirectedAsync(HttpMethod method, Uri namenode, string operation, string path, string query,
        Func<HttpContent>? content, CancellationToken cancellationToken)
    {
        var first = await NamenodeAsync(method, namenode, operation, path, query, cancellationToken).ConfigureAwait(false);
        if (first.StatusCode != HttpStatusCode.TemporaryRedirect)
            return first;
        var location = first.Headers.Location;
        first.Dispose();
        if (location is null || !location.IsAbsoluteUri)
            throw new IOException($"the namenode's 307 for {operation} named no absolute location");
        using var request = new HttpRequestMessage(method, location);
        if (content is not null)
        {
            request.Content = content();
            // HttpFS takes the data only as application/octet-stream; a datanode takes any type.
            request.Content.Headers.ContentType = OctetStream;
        }
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        return await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
    }

    private Uri RequestUri(Uri namenode, string operation, string path, string query)
    {
        var escaped = string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
        return new Uri(namenode, $"webhdfs/v1{escaped}?op={operation}{_userQuery}{query}");
    }

    private static async Task<HttpResponseMessage> EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if ((int)response.StatusCode < 400)
            return response;
        using (response)
            throw await WebHdfsRemoteException.ReadAsync(response, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static HdfsFileStatus Status(JsonElement status, string name) => new(
        name,
        status.GetProperty("type").GetString() == "DIRECTORY",
        status.GetProperty("length").GetInt64(),
        DateTimeOffset.FromUnixTimeMilliseconds(status.GetProperty("modificationTime").GetInt64()));

    private static bool IsFailover(Exception failure) =>
        failure is NamenodeUnreachableException or WebHdfsRemoteException { IsStandby: true };

    /// <summary>
    /// Standby or unreachable namenodes, server errors, busy or recovering namenodes, timeouts and
    /// broken connections; not a certificate that is not trusted, which no retry changes.
    /// </summary>
    private static bool IsRetryable(Exception failure) => failure switch
    {
        WebHdfsRemoteException remote => remote.IsRetryable || remote.IsStandby,
        HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => false,
        NamenodeUnreachableException or HttpRequestException or IOException or SocketException or OperationCanceledException => true,
        _ => false,
    };

    private SpoolException Failed(string operation, string path, Exception failure, int attempts)
    {
        var reason = failure switch
        {
            WebHdfsRemoteException or NamenodeUnreachableException => failure.Message,
            OperationCanceledException => "timed out",
            _ => $"{failure.GetType().Name}: {Innermost(failure).Message}",
        };
        var tries = attempts == 1 ? "" : $" after {attempts} attempts";
        return new SpoolException(failure is WebHdfsRemoteException { IsStorageFull: true } ? SpoolErrorReason.StorageFull : SpoolErrorReason.StorageUnavailable,
            $"HDFS {operation} {Cluster}{path} failed{tries}: {reason}", failure);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
            e = e.InnerException;
        return e;
    }
}
