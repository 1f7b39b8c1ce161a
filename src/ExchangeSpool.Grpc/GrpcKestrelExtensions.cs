using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ExchangeSpool.Grpc;

public static class GrpcKestrelExtensions
{
    /// <summary>
    /// Listens on <paramref name="endPoint"/> for cleartext HTTP/2 with prior knowledge (h2c, the way gRPC
    /// clients connect without TLS) and applies <paramref name="options"/> to Kestrel's HTTP/2 limits,
    /// which are server-wide.
    /// </summary>
    public static KestrelServerOptions ListenGrpc(
        this KestrelServerOptions kestrel,
        IPEndPoint endPoint,
        GrpcKestrelOptions? options = null,
        Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(endPoint);
        kestrel.ApplyGrpcLimits(options ?? new GrpcKestrelOptions());
        kestrel.Listen(endPoint, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            configure?.Invoke(listen);
        });
        return kestrel;
    }

    /// <inheritdoc cref="ListenGrpc(KestrelServerOptions, IPEndPoint, GrpcKestrelOptions?, Action{ListenOptions}?)"/>
    public static KestrelServerOptions ListenGrpc(
        this KestrelServerOptions kestrel,
        IPAddress address,
        int port,
        GrpcKestrelOptions? options = null,
        Action<ListenOptions>? configure = null) =>
        kestrel.ListenGrpc(new IPEndPoint(address, port), options, configure);

    /// <summary>Applies the HTTP/2 limits alone, for endpoints configured some other way.</summary>
    public static KestrelServerOptions ApplyGrpcLimits(this KestrelServerOptions kestrel, GrpcKestrelOptions options)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(options);
        var http2 = kestrel.Limits.Http2;
        http2.InitialConnectionWindowSize = options.InitialConnectionWindowSize;
        http2.InitialStreamWindowSize = options.InitialStreamWindowSize;
        http2.MaxStreamsPerConnection = options.MaxStreamsPerConnection;
        http2.MaxFrameSize = options.MaxFrameSize;
        return kestrel;
    }
}
