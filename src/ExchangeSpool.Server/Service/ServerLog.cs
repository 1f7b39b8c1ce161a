using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server.Service;

/// <summary>What the server logs about failed calls; each message names the exchange, sink, attempt or file it is about.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Warning, "{Method}: spooled data failed verification: {Problem}")]
    public static partial void DataLoss(ILogger logger, string method, string problem);

    [LoggerMessage(2, LogLevel.Warning, "{Method}: storage failed: {Problem}")]
    public static partial void StorageFailed(ILogger logger, string method, string problem, Exception exception);

    [LoggerMessage(3, LogLevel.Error, "{Method}: unexpected failure")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(4, LogLevel.Warning, "HTTP/2 connection {ConnectionId} failed and was closed with GOAWAY: {Problem}")]
    public static partial void Http2ConnectionError(ILogger logger, string connectionId, string problem);
}
