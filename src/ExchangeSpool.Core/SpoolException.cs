namespace ExchangeSpool.Core;

/// <summary>What kind of failure a <see cref="SpoolException"/> is; the server maps each to a gRPC status code.</summary>
public enum SpoolErrorCode
{
    InvalidArgument,
    FailedPrecondition,
    ResourceExhausted,
    DataLoss,
    Unavailable,
    Aborted,
    PermissionDenied,
}

/// <summary>
/// Why a call failed, stable across versions so that clients branch on it instead of on message
/// text; sent as the reason of a google.rpc.ErrorInfo (the list in proto/exchange_spool.proto).
/// </summary>
public enum SpoolErrorReason
{
    InvalidRequest,
    PageTooLarge,
    PartitionOutOfRange,
    TooManyPartitions,
    ExchangeNotFound,
    ExchangeClosed,
    AttemptNotSelected,
    AttemptNotCommitted,
    AttemptCommitted,
    AttemptBusy,
    AttemptAborted,
    EncryptionKeyUnknown,
    DataLoss,
    StorageUnavailable,
    StorageFull,
    StorageAccessDenied,
    MemoryExhausted,
    /// <summary>The server is draining before it stops: another server (or this one's successor) can take the call.</summary>
    ShuttingDown,
}

/// <summary>A failure whose message a person can act on: it names the value, the limit or the file.</summary>
public sealed class SpoolException(SpoolErrorReason reason, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public SpoolErrorReason Reason { get; } = reason;

    public SpoolErrorCode Code => Reason switch
    {
        SpoolErrorReason.InvalidRequest or SpoolErrorReason.PageTooLarge or SpoolErrorReason.PartitionOutOfRange
            or SpoolErrorReason.TooManyPartitions => SpoolErrorCode.InvalidArgument,
        SpoolErrorReason.DataLoss => SpoolErrorCode.DataLoss,
        SpoolErrorReason.StorageUnavailable or SpoolErrorReason.ShuttingDown => SpoolErrorCode.Unavailable,
        SpoolErrorReason.StorageFull or SpoolErrorReason.MemoryExhausted => SpoolErrorCode.ResourceExhausted,
        SpoolErrorReason.AttemptAborted => SpoolErrorCode.Aborted,
        SpoolErrorReason.StorageAccessDenied => SpoolErrorCode.PermissionDenied,
        _ => SpoolErrorCode.FailedPrecondition,
    };

    public static SpoolException InvalidArgument(string message) => new(SpoolErrorReason.InvalidRequest, message);

    /// <summary>The same failure, its message led by what was being done when it happened.</summary>
    public SpoolException While(string doing) => new(Reason, $"{doing}: {Message}", this);
    public static SpoolException DataLoss(string message) => new(SpoolErrorReason.DataLoss, message);
}
