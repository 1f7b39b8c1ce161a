using System.Collections.Concurrent;
using System.Net;
using ExchangeSpool.ContractTests.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.ContractTests.S3;

/// <summary>What the proxy does to a request that a fault matches.</summary>
public enum FaultKind
{
    /// <summary>503 with S3's SlowDown error, as a throttled bucket answers.</summary>
    SlowDown,
    /// <summary>500 InternalError.</summary>
    InternalError,
    /// <summary>503 with Azure's ServerBusy error, as a throttled storage account answers.</summary>
    ServerBusy,
    /// <summary>Reads part of the request body, then resets the connection (a gateway dying mid-write).</summary>
    DropMidRequest,
    /// <summary>Forwards, sends part of the response body, then resets the connection (mid-read).</summary>
    DropMidResponse,
    /// <summary>403 AccessDenied, as for a key without the permission.</summary>
    AccessDenied,
    /// <summary>404: NoSuchUpload for a multipart request, NoSuchKey otherwise.</summary>
    NotFound,
    /// <summary>416 InvalidRange, as a ranged GET past the end of an object is answered.</summary>
    InvalidRange,
    /// <summary>Answers nothing until the client gives up (a gateway that hangs).</summary>
    Hang,
}

/// <summary>A fault for the requests <paramref name="Matches"/> selects, applied <paramref name="Times"/> times (or until cleared).</summary>
public sealed record Fault(FaultKind Kind, Func<HttpRequest, bool> Matches, int Times = int.MaxValue)
{
    public static bool PartUpload(HttpRequest request) => request.Method == "PUT" && request.Query.ContainsKey("partNumber");

    public static bool AnyPut(HttpRequest request) => request.Method is "PUT" or "POST";

    /// <summary>AbortMultipartUpload.</summary>
    public static bool UploadAbort(HttpRequest request) => request.Method == "DELETE" && request.Query.ContainsKey("uploadId");

    public static bool AnyGet(HttpRequest request) => request.Method == "GET" && !request.Query.ContainsKey("list-type") && !request.Query.ContainsKey("uploads");

    /// <summary>A ranged GET: the reads of spool files, not of manifests.</summary>
    public static bool RangedGet(HttpRequest request) => request.Method == "GET" && request.Headers.Range.Count > 0;

    /// <summary>What the proxy answers for a fault of the storage fault table (all but connection refused, which needs no proxy).</summary>
    public static FaultKind KindOf(StorageFault fault) => fault switch
    {
        StorageFault.ServerError => FaultKind.InternalError,
        StorageFault.Forbidden => FaultKind.AccessDenied,
        StorageFault.NotFound => FaultKind.NotFound,
        StorageFault.RangeNotSatisfiable => FaultKind.InvalidRange,
        StorageFault.Timeout => FaultKind.Hang,
        _ => throw new ArgumentOutOfRangeException(nameof(fault), fault, "not injected by the proxy"),
    };

    /// <summary>Keys of one query only, so that a late request of an earlier test cannot use up the fault.</summary>
    public static Func<HttpRequest, bool> OfQuery(string queryId, Func<HttpRequest, bool> matches) =>
        request => matches(request) && request.Path.Value!.Contains($".{queryId}.", StringComparison.Ordinal);
}

/// <summary>
/// An HTTP reverse proxy on loopback in front of the S3 server (or Azure Blob Storage), which answers errors or breaks
/// connections on the requests a test selects, and forwards everything else unchanged (the Host
/// header included, so SigV4 signatures still match).
/// </summary>
public sealed class FaultInjectingProxy : IAsyncDisposable
{
    private const int PartialBytes = 64 * 1024;

    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly Uri _target;
    private readonly object _lock = new();
    private Fault? _fault;
    private int _remaining;
    private int _injected;
    private int _forwarded;
    private readonly ConcurrentQueue<string> _forwardedPaths = new();

    private FaultInjectingProxy(WebApplication app, Uri target)
    {
        _app = app;
        _target = target;
        _upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, UseProxy = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public Uri Endpoint => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>Requests the current and earlier faults were applied to.</summary>
    public int Injected => Volatile.Read(ref _injected);

    /// <summary>Requests forwarded and answered in full.</summary>
    public int Forwarded => Volatile.Read(ref _forwarded);

    /// <summary>Requests forwarded and answered in full whose path contains <paramref name="text"/> (a query's id: its own requests, not another test's clean-ups).</summary>
    public int ForwardedWith(string text) => _forwardedPaths.Count(path => path.Contains(text, StringComparison.Ordinal));

    public static async Task<FaultInjectingProxy> StartAsync(Uri target)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        var proxy = new FaultInjectingProxy(app, target);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        return proxy;
    }

    public void Inject(Fault fault)
    {
        lock (_lock)
        {
            _fault = fault;
            _remaining = fault.Times;
        }
    }

    public void Clear()
    {
        lock (_lock)
            _fault = null;
    }

    private Fault? Take(HttpRequest request)
    {
        lock (_lock)
        {
            if (_fault is not { } fault || _remaining == 0 || !fault.Matches(request))
                return null;
            if (--_remaining == 0)
                _fault = null;
            _injected++;
            return fault;
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var fault = Take(context.Request);
        switch (fault?.Kind)
        {
            case FaultKind.SlowDown:
                await AnswerErrorAsync(context, 503, "SlowDown", "Please reduce your request rate.");
                return;
            case FaultKind.InternalError:
                await AnswerErrorAsync(context, 500, "InternalError", "We encountered an internal error. Please try again.");
                return;
            case FaultKind.ServerBusy:
                await AnswerErrorAsync(context, 503, "ServerBusy", "The server is busy.");
                return;
            case FaultKind.AccessDenied:
                await AnswerErrorAsync(context, 403, "AccessDenied", "Access Denied");
                return;
            case FaultKind.NotFound when context.Request.Query.ContainsKey("uploadId"):
                await AnswerErrorAsync(context, 404, "NoSuchUpload", "The specified upload does not exist.");
                return;
            case FaultKind.NotFound:
                await AnswerErrorAsync(context, 404, "NoSuchKey", "The specified key does not exist.");
                return;
            case FaultKind.InvalidRange:
                await AnswerErrorAsync(context, 416, "InvalidRange", "The requested range is not satisfiable");
                return;
            case FaultKind.Hang:
                await HangAsync(context.RequestAborted);
                return;
            case FaultKind.DropMidRequest:
                await context.Request.Body.ReadAtLeastAsync(new byte[PartialBytes], PartialBytes, throwOnEndOfStream: false);
                context.Abort();
                return;
        }
        using var forward = Forward(context.Request);
        using var response = await _upstream.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!IsHopByHop(name))
                context.Response.Headers[name] = values.ToArray();
        }
        await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
        if (fault?.Kind == FaultKind.DropMidResponse)
        {
            var partial = new byte[PartialBytes];
            var read = await body.ReadAtLeastAsync(partial, partial.Length, throwOnEndOfStream: false, context.RequestAborted);
            await context.Response.Body.WriteAsync(partial.AsMemory(0, read / 2));
            await context.Response.Body.FlushAsync();
            context.Abort();
            return;
        }
        await body.CopyToAsync(context.Response.Body, context.RequestAborted);
        _forwardedPaths.Enqueue(context.Request.Path.Value ?? "");
        Interlocked.Increment(ref _forwarded);
    }

    private HttpRequestMessage Forward(HttpRequest request)
    {
        var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_target, request.Path + request.QueryString));
        if (request.ContentLength is not null || request.Headers.TransferEncoding.Count > 0)
            message.Content = new StreamContent(request.Body);
        foreach (var (name, values) in request.Headers)
        {
            if (IsHopByHop(name) || name.Equals("Expect", StringComparison.OrdinalIgnoreCase))
                continue;
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                message.Headers.Host = values.ToString();
            else if (!message.Headers.TryAddWithoutValidation(name, values.ToArray()))
                message.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
        }
        return message;
    }

    private static bool IsHopByHop(string name) =>
        name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase);

    private static async Task HangAsync(CancellationToken aborted)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, aborted);
        }
        catch (OperationCanceledException)
        {
            // The client gave up, which is what a hang is for.
        }
    }

    private static async Task AnswerErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/xml";
        // S3 clients read the code from the body, Azure's from this header.
        context.Response.Headers["x-ms-error-code"] = code;
        await context.Response.WriteAsync($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
