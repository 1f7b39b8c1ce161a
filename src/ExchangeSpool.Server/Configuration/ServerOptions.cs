using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server.Configuration;

/// <summary>The server's own settings, next to the core's <see cref="Core.Configuration.SpoolOptions"/>.</summary>
public sealed record ServerOptions
{
    /// <summary>Room for the gRPC and protobuf framing around the largest page in one message.</summary>
    public const int MessageFramingAllowance = 64 * 1024;

    public const int MaxMessageSizeLimit = 1 << 30;

    public const int MaxStreamsPerConnectionLimit = 100_000;

    public const string AddressKey = "exchange.spool.address";
    public const string TlsCertificateFileKey = "exchange.spool.tls.certificate-file";
    public const string TlsKeyFileKey = "exchange.spool.tls.key-file";
    public const string AuthTokenFileKey = "exchange.spool.auth.token-file";

    /// <summary><c>exchange.spool.address</c>: where the gRPC service listens.</summary>
    public ListenAddress Address { get; init; } = new("127.0.0.1", 9477);

    /// <summary><c>exchange.spool.metrics-address</c>: where Prometheus metrics are served over HTTP; null when off.</summary>
    public ListenAddress? MetricsAddress { get; init; }

    /// <summary><c>exchange.spool.max-message-size</c>: the largest gRPC message either way.</summary>
    public int MaxMessageSize { get; init; } = 32 * 1024 * 1024;

    /// <summary><c>exchange.spool.max-streams-per-connection</c>: concurrent calls one HTTP/2 connection may carry.</summary>
    public int MaxStreamsPerConnection { get; init; } = 1000;

    /// <summary><c>exchange.spool.tls.certificate-file</c>: the server's PEM certificate; null: plaintext (h2c).</summary>
    public string? TlsCertificateFile { get; init; }

    /// <summary><c>exchange.spool.tls.key-file</c>: the PEM private key of that certificate.</summary>
    public string? TlsKeyFile { get; init; }

    /// <summary><c>exchange.spool.auth.token-file</c>: the shared secret clients send as a bearer token; null: no token asked.</summary>
    public string? AuthTokenFile { get; init; }

    public bool TlsEnabled => TlsCertificateFile is not null;

    /// <summary><c>exchange.spool.log-level</c>: the least severe level logged.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary><c>exchange.spool.log-format</c>: one line of text per event, or one JSON object per event.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// <summary><c>exchange.spool.startup-check-timeout</c>: how long the start may spend proving every base directory writable.</summary>
    public TimeSpan StartupCheckTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary><c>exchange.spool.shutdown-grace-period</c>: how long sinks and sources under way may run on once a stop is asked.</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Returns the first invalid setting as (key, problem), or null when all are valid. A message
    /// must carry the largest page the core accepts, hence <paramref name="maxPageStorageSize"/>.
    /// </summary>
    public (string Key, string Problem)? FindInvalidSetting(long maxPageStorageSize)
    {
        if (TlsCertificateFile is null != TlsKeyFile is null)
            return TlsCertificateFile is null
                ? (TlsCertificateFileKey, $"is required with {TlsKeyFileKey}: TLS needs the certificate and its private key")
                : (TlsKeyFileKey, $"is required with {TlsCertificateFileKey}: TLS needs the certificate and its private key");
        if (!Address.IsLoopback && (!TlsEnabled || AuthTokenFile is null))
            return (AddressKey, $"listening on the non-loopback address {Address} requires TLS and a bearer token; missing: " +
                string.Join(" and ", new[]
                {
                    TlsEnabled ? null : $"TLS ({TlsCertificateFileKey} and {TlsKeyFileKey})",
                    AuthTokenFile is null ? $"the token ({AuthTokenFileKey})" : null,
                }.OfType<string>()));
        if (TlsCertificateFile is { } certificateFile && PemCertificate.Problem(certificateFile, TlsKeyFile!) is { } unusable)
            return unusable;
        var smallest = maxPageStorageSize + MessageFramingAllowance;
        if (MaxMessageSize < smallest || MaxMessageSize > MaxMessageSizeLimit)
            return ("exchange.spool.max-message-size",
                $"must be at least exchange.max-page-storage-size + {DataSize.Format(MessageFramingAllowance)} ({DataSize.Format(smallest)}) and at most {DataSize.Format(MaxMessageSizeLimit)}");
        if (MaxStreamsPerConnection < 1 || MaxStreamsPerConnection > MaxStreamsPerConnectionLimit)
            return ("exchange.spool.max-streams-per-connection", $"must be between 1 and {MaxStreamsPerConnectionLimit}");
        return null;
    }
}

/// <summary>How log events are written to the console.</summary>
public enum LogFormat
{
    Text,
    Json,
}
