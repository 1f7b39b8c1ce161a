using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Grpc.Internal.Server;

internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Error, "Unhandled exception in gRPC method {Method}; answering Internal.")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(2, LogLevel.Debug, "gRPC method {Method} ended with {StatusCode}: {Detail}")]
    public static partial void CallFailed(ILogger logger, string method, StatusCode statusCode, string detail, Exception exception);

    [LoggerMessage(3, LogLevel.Error, "The gRPC exception mapper threw while mapping an exception of method {Method}.")]
    public static partial void ExceptionMapperFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(4, LogLevel.Error, "gRPC method {Method} failed to serialize a response; resetting the stream.")]
    public static partial void SerializationFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(5, LogLevel.Debug, "Rejected gRPC request to {Path}: {Reason}")]
    public static partial void RequestRejected(ILogger logger, string path, string reason);

    [LoggerMessage(6, LogLevel.Debug, "Ignoring invalid grpc-timeout value '{Value}' of a call to {Method}.")]
    public static partial void InvalidTimeout(ILogger logger, string method, string value);
}
