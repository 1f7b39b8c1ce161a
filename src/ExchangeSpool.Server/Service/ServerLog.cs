using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server.Service;

/// <summary>What the server logs about failed calls; each message names the exchange, sink, attempt or file it is about.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "{Method}: spooled data failed verification: {Problem}")]
    public static partial void DataLoss(ILogger logger, string method, string problem);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "{Method}: storage failed: {Problem}")]
    public static partial void StorageFailed(ILogger logger, string method, string problem, Exception exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "{Method}: unexpected failure")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "HTTP/2 connection {ConnectionId} failed and was closed with GOAWAY: {Problem}")]
    public static partial void Http2ConnectionError(ILogger logger, string connectionId, string problem);

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "draining: new exchanges, sinks and sources are refused; {Streams} sink and source streams under way get the grace period of {GracePeriod} to finish")]
    public static partial void Draining(ILogger logger, int streams, TimeSpan gracePeriod);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "the grace period of {GracePeriod} ended with {Streams} sink and source streams still running: they are ended (unfinished sinks aborted and their files deleted)")]
    public static partial void GraceEnded(ILogger logger, int streams, TimeSpan gracePeriod);

    [LoggerMessage(EventId = 32, Level = LogLevel.Information, Message = "drained: no sink or source stream is running; stopping")]
    public static partial void Drained(ILogger logger);
}
