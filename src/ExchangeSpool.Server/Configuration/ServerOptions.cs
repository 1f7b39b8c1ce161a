namespace ExchangeSpool.Server.Configuration;

/// <summary>The server's own settings, next to the core's <see cref="Core.Configuration.SpoolOptions"/>.</summary>
public sealed record ServerOptions
{
    /// <summary>Room for the gRPC and protobuf framing around the largest page in one message.</summary>
    public const int MessageFramingAllowance = 64 * 1024;

    public const int MaxMessageSizeLimit = 1 << 30;

    public const int MaxStreamsPerConnectionLimit = 100_000;

    /// <summary><c>exchange.spool.address</c>: where the gRPC service listens.</summary>
    public ListenAddress Address { get; init; } = new("127.0.0.1", 9477);

    /// <summary><c>exchange.spool.metrics-address</c>: where Prometheus metrics are served over HTTP; null when off.</summary>
    public ListenAddress? MetricsAddress { get; init; }

    /// <summary><c>exchange.spool.max-message-size</c>: the largest gRPC message either way.</summary>
    public int MaxMessageSize { get; init; } = 32 * 1024 * 1024;

    /// <summary><c>exchange.spool.max-streams-per-connection</c>: concurrent calls one HTTP/2 connection may carry.</summary>
    public int MaxStreamsPerConnection { get; init; } = 1000;

    /// <summary><c>exchange.spool.shutdown-grace-period</c>: how long sinks and sources under way may run on once a stop is asked.</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Returns the first invalid setting as (key, problem), or null when all are valid. A message
    /// must carry the largest page the core accepts, hence <paramref name="maxPageStorageSize"/>.
    /// </summary>
    public (string Key, string Problem)? FindInvalidSetting(long maxPageStorageSize)
    {
        if (!Address.IsLoopback)
            return ("exchange.spool.address", "listening on a non-loopback address requires TLS and a bearer token, which this version does not support yet");
        var smallest = maxPageStorageSize + MessageFramingAllowance;
        if (MaxMessageSize < smallest || MaxMessageSize > MaxMessageSizeLimit)
            return ("exchange.spool.max-message-size",
                $"must be at least exchange.max-page-storage-size + {DataSize.Format(MessageFramingAllowance)} ({DataSize.Format(smallest)}) and at most {DataSize.Format(MaxMessageSizeLimit)}");
        if (MaxStreamsPerConnection < 1 || MaxStreamsPerConnection > MaxStreamsPerConnectionLimit)
            return ("exchange.spool.max-streams-per-connection", $"must be between 1 and {MaxStreamsPerConnectionLimit}");
        return null;
    }
}
