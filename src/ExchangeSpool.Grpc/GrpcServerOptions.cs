namespace ExchangeSpool.Grpc;

/// <summary>Server-wide settings, configured through <see cref="GrpcServiceCollectionExtensions.AddGrpcWire"/>.</summary>
public sealed class GrpcServerOptions
{
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>Largest request message accepted, checked before the message is buffered. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = DefaultMaxReceiveMessageSize;

    /// <summary>Largest response message a handler may send. Default: no limit beyond the 2 GiB the prefix allows.</summary>
    public int MaxSendMessageSize { get; set; } = int.MaxValue;

    /// <summary>
    /// Turns an exception thrown by a handler into the status sent to the client. Asked for every exception
    /// other than <see cref="RpcException"/> and cancellation; returning null means "unexpected", which is
    /// logged and answered with <see cref="StatusCode.Internal"/> without leaking the exception's text.
    /// </summary>
    public Func<Exception, Status?>? ExceptionMapper { get; set; }
}
