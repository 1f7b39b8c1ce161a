using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server.Service;

/// <summary>
/// What the server logs about failed calls; each message names the exchange, sink, attempt or
/// partitions it lost (as structured fields too, for a JSON log), the client and the error reason.
/// </summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 10, Level = LogLevel.Warning,
        Message = "{Method} lost sink {SinkId} attempt {AttemptId} of exchange {ExchangeId} (client {Client}): {Reason}: {Problem}")]
    public static partial void SinkLost(ILogger logger, string method, string exchangeId, int sinkId, int attemptId, string client,
        string reason, string problem, Exception? exception);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning,
        Message = "{Method} lost the source of exchange {ExchangeId} partitions {Partitions} (client {Client}): {Reason}: {Problem}")]
    public static partial void SourceLost(ILogger logger, string method, string exchangeId, string partitions, string client,
        string reason, string problem, Exception? exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "{Method}: unexpected failure")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "HTTP/2 connection {ConnectionId} failed and was closed with GOAWAY: {Problem}")]
    public static partial void Http2ConnectionError(ILogger logger, string connectionId, string problem);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning,
        Message = "{Method} failed for exchange {ExchangeId} (client {Client}): {Reason}: {Problem}")]
    public static partial void ExchangeCallFailed(ILogger logger, string method, string exchangeId, string client,
        string reason, string problem, Exception? exception);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "{Method} failed before naming an exchange (client {Client}): {Reason}: {Problem}")]
    public static partial void CallFailed(ILogger logger, string method, string client, string reason, string problem, Exception? exception);
}
