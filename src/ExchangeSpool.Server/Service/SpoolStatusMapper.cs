using ExchangeSpool.Core;
using ExchangeSpool.Grpc;

namespace ExchangeSpool.Server.Service;

/// <summary>The gRPC status each core failure is answered with; anything else is unexpected (Internal).</summary>
internal static class SpoolStatusMapper
{
    public static Status? Map(Exception exception) => exception switch
    {
        SpoolException spool => new Status(ToStatusCode(spool.Code), spool.Message),
        OperationCanceledException => new Status(StatusCode.Cancelled, "the call was cancelled"),
        IOException io => new Status(StatusCode.Unavailable, $"storage I/O failed: {io.Message}"),
        UnauthorizedAccessException denied => new Status(StatusCode.Unavailable, $"storage refused access: {denied.Message}"),
        _ => null,
    };

    private static StatusCode ToStatusCode(SpoolErrorCode code) => code switch
    {
        SpoolErrorCode.InvalidArgument => StatusCode.InvalidArgument,
        SpoolErrorCode.FailedPrecondition => StatusCode.FailedPrecondition,
        SpoolErrorCode.ResourceExhausted => StatusCode.ResourceExhausted,
        SpoolErrorCode.DataLoss => StatusCode.DataLoss,
        SpoolErrorCode.Unavailable => StatusCode.Unavailable,
        SpoolErrorCode.Aborted => StatusCode.Aborted,
        _ => StatusCode.Internal,
    };
}
