using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace ExchangeSpool.Grpc.Internal.Client;

/// <summary>Status codes the client derives from what the server (or the transport) sent.</summary>
internal static class ClientStatus
{
    /// <summary>The <c>grpc-status</c> / <c>grpc-message</c> pair in response headers or trailers, if present.</summary>
    public static Status? Read(HttpHeaders headers)
    {
        if (!headers.NonValidated.TryGetValues(GrpcProtocol.StatusHeader, out var statusValues))
        {
            return null;
        }

        var detail = headers.NonValidated.TryGetValues(GrpcProtocol.MessageHeader, out var messageValues)
            ? PercentEncoding.Decode(messageValues.ToString())
            : string.Empty;
        return int.TryParse(statusValues.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var code)
            ? new Status((StatusCode)code, detail)
            : new Status(StatusCode.Unknown, $"Unexpected grpc-status value '{statusValues}'. {detail}".TrimEnd());
    }

    /// <summary>The spec's mapping of HTTP statuses for responses that are not gRPC.</summary>
    public static Status FromHttpStatus(HttpStatusCode httpStatus)
    {
        var code = httpStatus switch
        {
            HttpStatusCode.BadRequest => StatusCode.Internal,
            HttpStatusCode.Unauthorized => StatusCode.Unauthenticated,
            HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
            HttpStatusCode.NotFound => StatusCode.Unimplemented,
            HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway
                or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => StatusCode.Unavailable,
            _ => StatusCode.Unknown,
        };
        return new Status(code, $"Bad gRPC response. HTTP status code: {(int)httpStatus}");
    }

    /// <summary>The spec's mapping of HTTP/2 RST_STREAM / GOAWAY error codes.</summary>
    public static Status FromHttp2Error(long errorCode, string message)
    {
        var code = errorCode switch
        {
            0x7 => StatusCode.Unavailable,         // REFUSED_STREAM: never processed, safe to retry
            0x8 => StatusCode.Cancelled,           // CANCEL
            0xb => StatusCode.ResourceExhausted,   // ENHANCE_YOUR_CALM
            0xc => StatusCode.PermissionDenied,    // INADEQUATE_SECURITY
            _ => StatusCode.Internal,
        };
        return new Status(code, message);
    }
}
