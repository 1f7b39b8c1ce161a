namespace ExchangeSpool.Client;

public sealed class SpoolClientOptions
{
    /// <summary>Pages a sink sends per message, in bytes; a larger page goes alone.</summary>
    public int SinkBatchSize { get; init; } = 1024 * 1024;

    /// <summary>Batches a sink may have queued before <see cref="SpoolSink.IsBlocked"/> is pending.</summary>
    public int SinkMaxQueuedBatches { get; init; } = 2;

    /// <summary>Bytes of pages a source holds before it stops reading its stream.</summary>
    public long SourceBufferSize { get; init; } = 32 * 1024 * 1024;

    /// <summary>Deadline of control calls (create, plan, close, abort).</summary>
    public TimeSpan ControlCallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public int MaxMessageSize { get; init; } = 32 * 1024 * 1024;

    /// <summary>
    /// True (the default): another HTTP/2 connection opens when the server's per-connection stream
    /// limit is reached. False: every call shares one connection, and calls beyond the limit wait
    /// until others end.
    /// </summary>
    public bool MultipleConnections { get; init; } = true;

    /// <summary>
    /// Bytes of a response stream the server may send before this client reads them (HTTP/2's initial
    /// stream window). 4 MiB, as the server grants for requests: a source's 1 MiB messages then flow
    /// without waiting on window updates, which HttpClient's default of 64 KiB, grown by round-trip
    /// time, hardly raises on loopback.
    /// </summary>
    public int StreamWindowSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// A PEM file of the CA that signed the server's certificate (a private CA), trusted besides the
    /// machine's roots, for an <c>https://</c> address; null: the machine's roots only.
    /// </summary>
    public string? CaCertificateFile { get; init; }

    /// <summary>A file holding the server's bearer token (<c>exchange.spool.auth.token-file</c>), sent on every call; read once, when the client is made.</summary>
    public string? BearerTokenFile { get; init; }
}
