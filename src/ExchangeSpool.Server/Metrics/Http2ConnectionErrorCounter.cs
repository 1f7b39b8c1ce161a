using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ExchangeSpool.Server.Metrics;

/// <summary>
/// Counts the HTTP/2 connections Kestrel ends with an error (and a GOAWAY), which fail every call on
/// them at once. Kestrel reports these only as log events, so this is a logger provider that listens
/// to its HTTP/2 category and hands each one to <see cref="Report"/>.
/// </summary>
public sealed class Http2ConnectionErrorCounter(SpoolMetrics metrics) : ILoggerProvider
{
    public const string KestrelHttp2Category = "Microsoft.AspNetCore.Server.Kestrel.Http2";

    /// <summary>Kestrel's events for a connection it closes because of an error.</summary>
    private static readonly HashSet<string> ConnectionErrorEvents =
        ["Http2ConnectionError", "Http2TooManyEnhanceYourCalms", "Http2FlowControlQueueOperationsExceeded"];

    /// <summary>Told of each error (connection id, problem), once the host's own logging is up.</summary>
    public Action<string, string>? Report { get; set; }

    public ILogger CreateLogger(string categoryName) =>
        categoryName == KestrelHttp2Category ? new Listener(this) : NullLogger.Instance;

    public void Dispose()
    {
    }

    private void OnEvent(EventId eventId, string message, Exception? exception)
    {
        if (eventId.Name is not { } name || !ConnectionErrorEvents.Contains(name))
            return;
        metrics.Http2ConnectionError();
        Report?.Invoke(message, exception?.Message ?? name);
    }

    private sealed class Listener(Http2ConnectionErrorCounter counter) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            counter.OnEvent(eventId, formatter(state, exception), exception);
    }
}
