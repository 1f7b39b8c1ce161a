using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server.Service;

/// <summary>
/// What the server logs about failed calls; each message names the exchange, sink, attempt or
/// partitions it lost (as structured fields too, for a JSON log), the client and the error reason:
/// a warning, or an error with its stack trace for an unexpected exception.
/// </summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 10,
        Message = "{Method} lost sink {SinkId} attempt {AttemptId} of exchange {ExchangeId} (client {Client}): {Reason}: {Problem}")]
    public static partial void SinkLost(ILogger logger, LogLevel level, string method, string exchangeId, int sinkId, int attemptId, string client,
        string reason, string problem, Exception? exception);

    [LoggerMessage(EventId = 11,
        Message = "{Method} lost the source of exchange {ExchangeId} partitions {Partitions} (client {Client}): {Reason}: {Problem}")]
    public static partial void SourceLost(ILogger logger, LogLevel level, string method, string exchangeId, string partitions, string client,
        string reason, string problem, Exception? exception);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "HTTP/2 connection {ConnectionId} failed and was closed with GOAWAY: {Problem}")]
    public static partial void Http2ConnectionError(ILogger logger, string connectionId, string problem);

    [LoggerMessage(EventId = 14,
        Message = "{Method} failed for exchange {ExchangeId} (client {Client}): {Reason}: {Problem}")]
    public static partial void ExchangeCallFailed(ILogger logger, LogLevel level, string method, string exchangeId, string client,
        string reason, string problem, Exception? exception);

    [LoggerMessage(EventId = 15, Message = "{Method} failed before naming an exchange (client {Client}): {Reason}: {Problem}")]
    public static partial void CallFailed(ILogger logger, LogLevel level, string method, string client, string reason, string problem, Exception? exception);

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "draining: new exchanges, sinks and sources are refused; {Streams} sink and source streams under way get the grace period of {GracePeriod} to finish")]
    public static partial void Draining(ILogger logger, int streams, TimeSpan gracePeriod);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "the grace period of {GracePeriod} ended with {Streams} sink and source streams still running: they are ended (unfinished sinks aborted and their files deleted)")]
    public static partial void GraceEnded(ILogger logger, int streams, TimeSpan gracePeriod);

    [LoggerMessage(EventId = 32, Level = LogLevel.Information, Message = "drained: no sink or source stream is running; stopping")]
    public static partial void Drained(ILogger logger);
}
