using ExchangeSpool.Core;
using ExchangeSpool.Protocol;
using ExchangeSpool.Server.Metrics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server.Service;

/// <summary>
/// Turns every failure leaving a handler into a status with a stable reason (google.rpc.ErrorInfo),
/// logs what an operator must see, and counts data loss. Each failure ends its own call only.
/// </summary>
internal sealed class SpoolErrorInterceptor(SpoolMetrics metrics, ServerDrain drain, ILogger<SpoolErrorInterceptor> logger)
    : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        MapFailuresAsync(() => continuation(request, context), context);

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        MapFailuresAsync(() => continuation(requestStream, context), context);

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        MapFailuresAsync(async () =>
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return true;
        }, context);

    private async Task<T> MapFailuresAsync<T>(Func<Task<T>> call, ServerCallContext context)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw ToRpcException(e, context);
        }
    }

    /// <summary>
    /// Failures that lose a sink, source or exchange for a reason on the server's side, which an
    /// operator must see: not those the client caused (bad requests, its own cancellation or abort).
    /// </summary>
    private static readonly HashSet<string> LostWorkReasons =
    [
        ErrorReasons.DataLoss, ErrorReasons.StorageUnavailable, ErrorReasons.StorageFull, ErrorReasons.StorageAccessDenied,
        ErrorReasons.ShuttingDown, ErrorReasons.MemoryExhausted, ErrorReasons.EncryptionKeyUnknown,
    ];

    /// <summary>Storage failures keep their exception in the log: its inner exceptions say what the backend answered.</summary>
    private static readonly HashSet<string> StorageReasons =
        [ErrorReasons.StorageUnavailable, ErrorReasons.StorageFull, ErrorReasons.StorageAccessDenied];

    private RpcException ToRpcException(Exception exception, ServerCallContext context)
    {
        var (code, reason, message) = Classify(exception, context);
        if (reason == ErrorReasons.DataLoss)
            metrics.IntegrityFailure();
        if (reason == ErrorReasons.Internal)
            LogLostWork(context, LogLevel.Error, reason, message, exception);
        else if (LostWorkReasons.Contains(reason))
            LogLostWork(context, LogLevel.Warning, reason, message, StorageReasons.Contains(reason) ? exception : null);
        return SpoolErrors.ToRpcException(code, reason, message);
    }

    private void LogLostWork(ServerCallContext context, LogLevel level, string reason, string message, Exception? exception)
    {
        switch (CallSubject.Of(context))
        {
            case { SinkId: { } sinkId, AttemptId: { } attemptId } sink:
                ServerLog.SinkLost(logger, level, context.Method, sink.ExchangeIds, sinkId, attemptId, context.Peer, reason, message, exception);
                break;
            case { Partitions: { } partitions } source:
                ServerLog.SourceLost(logger, level, context.Method, source.ExchangeIds, partitions, context.Peer, reason, message, exception);
                break;
            case { } exchange:
                ServerLog.ExchangeCallFailed(logger, level, context.Method, exchange.ExchangeIds, context.Peer, reason, message, exception);
                break;
            default:
                ServerLog.CallFailed(logger, level, context.Method, context.Peer, reason, message, exception);
                break;
        }
    }

    private (StatusCode Code, string Reason, string Message) Classify(Exception exception, ServerCallContext context) => exception switch
    {
        SpoolException spool => (ToStatusCode(spool.Code), ToReason(spool.Reason), spool.Message),
        OperationCanceledException when drain.IsDraining =>
            (StatusCode.Unavailable, ErrorReasons.ShuttingDown, "the server is shutting down; retry on a server that is running"),
        OperationCanceledException when context.Deadline <= DateTime.UtcNow =>
            (StatusCode.DeadlineExceeded, ErrorReasons.DeadlineExceeded, "the call's deadline passed"),
        OperationCanceledException => (StatusCode.Cancelled, ErrorReasons.Cancelled, "the call was cancelled"),
        // The client reset the stream or its connection broke: nothing to do with storage.
        IOException when context.CancellationToken.IsCancellationRequested => (StatusCode.Cancelled, ErrorReasons.Cancelled, "the client went away"),
        IOException or UnauthorizedAccessException =>
            (StatusCode.Unavailable, ErrorReasons.StorageUnavailable, $"storage I/O failed: {exception.Message}"),
        _ => (StatusCode.Internal, ErrorReasons.Internal, $"unexpected {exception.GetType().Name} in {context.Method}: {exception.Message}"),
    };

    private static StatusCode ToStatusCode(SpoolErrorCode code) => code switch
    {
        SpoolErrorCode.InvalidArgument => StatusCode.InvalidArgument,
        SpoolErrorCode.FailedPrecondition => StatusCode.FailedPrecondition,
        SpoolErrorCode.ResourceExhausted => StatusCode.ResourceExhausted,
        SpoolErrorCode.DataLoss => StatusCode.DataLoss,
        SpoolErrorCode.Unavailable => StatusCode.Unavailable,
        SpoolErrorCode.Aborted => StatusCode.Aborted,
        SpoolErrorCode.PermissionDenied => StatusCode.PermissionDenied,
        _ => StatusCode.Internal,
    };

    private static string ToReason(SpoolErrorReason reason) => reason switch
    {
        SpoolErrorReason.InvalidRequest => ErrorReasons.InvalidRequest,
        SpoolErrorReason.PageTooLarge => ErrorReasons.PageTooLarge,
        SpoolErrorReason.PartitionOutOfRange => ErrorReasons.PartitionOutOfRange,
        SpoolErrorReason.TooManyPartitions => ErrorReasons.TooManyPartitions,
        SpoolErrorReason.ExchangeNotFound => ErrorReasons.ExchangeNotFound,
        SpoolErrorReason.ExchangeClosed => ErrorReasons.ExchangeClosed,
        SpoolErrorReason.AttemptNotSelected => ErrorReasons.AttemptNotSelected,
        SpoolErrorReason.AttemptNotCommitted => ErrorReasons.AttemptNotCommitted,
        SpoolErrorReason.AttemptCommitted => ErrorReasons.AttemptCommitted,
        SpoolErrorReason.AttemptBusy => ErrorReasons.AttemptBusy,
        SpoolErrorReason.AttemptAborted => ErrorReasons.AttemptAborted,
        SpoolErrorReason.EncryptionKeyUnknown => ErrorReasons.EncryptionKeyUnknown,
        SpoolErrorReason.DataLoss => ErrorReasons.DataLoss,
        SpoolErrorReason.StorageUnavailable => ErrorReasons.StorageUnavailable,
        SpoolErrorReason.StorageFull => ErrorReasons.StorageFull,
        SpoolErrorReason.StorageAccessDenied => ErrorReasons.StorageAccessDenied,
        SpoolErrorReason.MemoryExhausted => ErrorReasons.MemoryExhausted,
        SpoolErrorReason.ShuttingDown => ErrorReasons.ShuttingDown,
        _ => ErrorReasons.Internal,
    };
}
