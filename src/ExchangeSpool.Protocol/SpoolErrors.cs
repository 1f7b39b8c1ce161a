using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace ExchangeSpool.Protocol;

/// <summary>Builds and reads the rich error status of the protocol: a gRPC status with one google.rpc.ErrorInfo.</summary>
public static class SpoolErrors
{
    /// <summary>An exception whose status carries <paramref name="reason"/> in the grpc-status-details-bin trailer.</summary>
    public static RpcException ToRpcException(StatusCode code, string reason, string message) =>
        new Google.Rpc.Status
        {
            Code = (int)code,
            Message = message,
            Details = { Any.Pack(new ErrorInfo { Reason = reason, Domain = ErrorReasons.Domain }) },
        }.ToRpcException();

    /// <summary>The ErrorInfo reason of a failed call, or null when the status carries none (a transport failure).</summary>
    public static string? Reason(RpcException exception) =>
        exception.GetRpcStatus()?.GetDetail<ErrorInfo>() is { Domain: ErrorReasons.Domain } info ? info.Reason : null;
}
