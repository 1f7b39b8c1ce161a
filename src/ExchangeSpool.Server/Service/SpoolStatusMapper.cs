using ExchangeSpool.Core;
using ExchangeSpool.Grpc;
using ExchangeSpool.Server.Metrics;

namespace ExchangeSpool.Server.Service;

/// <summary>
/// The gRPC status each core failure is answered with; anything else is unexpected (Internal).
/// Every failure leaves the server here, so this is where data loss is counted.
/// </summary>
internal sealed class SpoolStatusMapper(SpoolMetrics metrics)
{
    public Status? Map(Exception exception)
    {
        if (exception is SpoolException { Code: SpoolErrorCode.DataLoss })
            metrics.IntegrityFailure();
        return ToStatus(exception);
    }

    private static Status? ToStatus(Exception exception) => exception switch
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
