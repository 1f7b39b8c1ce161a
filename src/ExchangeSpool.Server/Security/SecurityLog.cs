using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server.Security;

/// <summary>What the server logs about TLS and tokens; never a token, only the files and the peers.</summary>
internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 50, Level = LogLevel.Information, Message = "Read {What} again from {Paths} after the files changed")]
    public static partial void Reloaded(ILogger logger, string what, string paths);

    [LoggerMessage(EventId = 51, Level = LogLevel.Warning, Message = "{What} changed but cannot be read, the previous one stays in use: {Problem}")]
    public static partial void ReloadFailed(ILogger logger, string what, string problem);

    [LoggerMessage(EventId = 52, Level = LogLevel.Warning, Message = "{Method} from {Peer} refused: {Problem}")]
    public static partial void Unauthenticated(ILogger logger, string method, string peer, string problem);
}
