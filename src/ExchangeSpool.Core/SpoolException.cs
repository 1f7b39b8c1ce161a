namespace ExchangeSpool.Core;

/// <summary>What kind of failure a <see cref="SpoolException"/> is; the server maps each to a gRPC status.</summary>
public enum SpoolErrorCode
{
    InvalidArgument,
    FailedPrecondition,
    ResourceExhausted,
    DataLoss,
    Unavailable,
    Aborted,
}

/// <summary>A failure whose message a person can act on: it names the value, the limit or the file.</summary>
public sealed class SpoolException(SpoolErrorCode code, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public SpoolErrorCode Code { get; } = code;

    public static SpoolException InvalidArgument(string message) => new(SpoolErrorCode.InvalidArgument, message);
    public static SpoolException FailedPrecondition(string message) => new(SpoolErrorCode.FailedPrecondition, message);
    public static SpoolException DataLoss(string message) => new(SpoolErrorCode.DataLoss, message);
}
