using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Grpc.Internal.Server;

/// <summary>The HTTP side of a gRPC call on Kestrel: accepting the request, response headers, the status.</summary>
internal static class GrpcHttpExchange
{
    private const int Http2InternalError = 0x2;

    /// <summary>
    /// Starts the gRPC response and returns true, or answers and returns false: requests that are not gRPC
    /// get the HTTP error grpc-dotnet uses (426 for HTTP/1.x, 415 for another content type), a compressed
    /// request gets Unimplemented since only the identity encoding is supported.
    /// </summary>
    public static bool TryAccept(HttpContext httpContext, ILogger logger)
    {
        var request = httpContext.Request;
        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            return Reject(httpContext, logger, StatusCodes.Status426UpgradeRequired, $"protocol {request.Protocol} is not supported");
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            httpContext.Response.Headers.Allow = HttpMethods.Post;
            return Reject(httpContext, logger, StatusCodes.Status405MethodNotAllowed, $"method {request.Method} is not supported");
        }

        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            return Reject(httpContext, logger, StatusCodes.Status415UnsupportedMediaType, $"content-type '{request.ContentType}' is not supported");
        }

        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;

        // A stream may be long-lived and idle: Kestrel's body size cap and minimum data rate would cut it off.
        var maxBodySize = httpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (maxBodySize is { IsReadOnly: false })
        {
            maxBodySize.MaxRequestBodySize = null;
        }

        httpContext.Features.Get<IHttpMinRequestBodyDataRateFeature>()?.MinDataRate = null;

        var encoding = request.Headers[GrpcProtocol.EncodingHeader].ToString();
        if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            response.Headers["grpc-accept-encoding"] = "identity";
            WriteStatus(response, new Status(StatusCode.Unimplemented, $"Unsupported grpc-encoding value '{encoding}'. Supported encodings: identity"));
            return false;
        }

        return true;
    }

    /// <summary>
    /// Sends the status: as trailers after a response that has started, otherwise in the headers
    /// (a Trailers-Only response, which the spec allows for calls that sent no message).
    /// </summary>
    public static void WriteStatus(HttpResponse response, Status status)
    {
        var code = ((int)status.Code).ToString(CultureInfo.InvariantCulture);
        var message = string.IsNullOrEmpty(status.Detail) ? null : PercentEncoding.Encode(status.Detail);
        if (response.HasStarted)
        {
            response.AppendTrailer(GrpcProtocol.StatusHeader, code);
            if (message is not null)
            {
                response.AppendTrailer(GrpcProtocol.MessageHeader, message);
            }
        }
        else
        {
            response.Headers[GrpcProtocol.StatusHeader] = code;
            if (message is not null)
            {
                response.Headers[GrpcProtocol.MessageHeader] = message;
            }
        }
    }

    /// <summary>Resets the HTTP/2 stream with INTERNAL_ERROR, for output that can no longer be trusted.</summary>
    public static void ResetStream(HttpContext httpContext)
    {
        if (httpContext.Features.Get<IHttpResetFeature>() is { } reset)
        {
            reset.Reset(Http2InternalError);
        }
        else
        {
            httpContext.Abort();
        }
    }

    private static bool Reject(HttpContext httpContext, ILogger logger, int statusCode, string reason)
    {
        ServerLog.RequestRejected(logger, httpContext.Request.Path, reason);
        httpContext.Response.StatusCode = statusCode;
        return false;
    }
}
