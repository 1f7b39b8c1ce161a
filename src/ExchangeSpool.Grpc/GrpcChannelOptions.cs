namespace ExchangeSpool.Grpc;

/// <summary>Client-wide settings of a <see cref="GrpcChannel"/>.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>Largest response message accepted, checked before the message is buffered. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest request message sent. Default: no limit beyond the 2 GiB the prefix allows.</summary>
    public int MaxSendMessageSize { get; set; } = int.MaxValue;

    /// <summary>
    /// The handler to send requests with; the channel does not dispose it. When null the channel creates a
    /// <see cref="SocketsHttpHandler"/> with multiple HTTP/2 connections enabled and owns it.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>HTTP/2 stream window the created handler announces (bytes a response may have unread). Null keeps .NET's default.</summary>
    public int? InitialHttp2StreamWindowSize { get; set; }
}
