namespace ExchangeSpool.Grpc;

/// <summary>
/// Kestrel's HTTP/2 limits that matter for gRPC. Flow-control windows bound how much a stream (and a
/// connection) may have in flight before the receiver reads; larger windows raise streaming throughput
/// at the cost of memory per stream.
/// </summary>
public sealed class GrpcKestrelOptions
{
    /// <summary>Bytes all streams of a connection may have unread on the server. Default 8 MiB.</summary>
    public int InitialConnectionWindowSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>Bytes one stream may have unread on the server. Default 4 MiB.</summary>
    public int InitialStreamWindowSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// The largest DATA frame a client may send. Default 1 MiB rather than HTTP/2's 16 KiB: a client
    /// that honours it (grpc-java does) sends a 1 MiB message in one frame instead of 64, each of which
    /// costs the server a parse, a copy and flow-control bookkeeping.
    /// </summary>
    public int MaxFrameSize { get; set; } = 1024 * 1024;

    /// <summary>Concurrent calls per connection. Default 100 (Kestrel's own default).</summary>
    public int MaxStreamsPerConnection { get; set; } = 100;
}
