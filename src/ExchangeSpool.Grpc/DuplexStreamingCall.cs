using ExchangeSpool.Grpc.Internal.Client;

namespace ExchangeSpool.Grpc;

/// <summary>
/// A call with independent request and response streams. Dispose it: that cancels the call if it is not over.
/// If a write fails with <see cref="StatusCode.Unknown"/> because the server ended the request stream,
/// the call's status is the one the response stream reports.
/// </summary>
public sealed class DuplexStreamingCall<TRequest, TResponse> : IDisposable
{
    private readonly ClientCall<TRequest, TResponse> _call;

    internal DuplexStreamingCall(ClientCall<TRequest, TResponse> call)
    {
        _call = call;
        RequestStream = new ClientRequestStream<TRequest, TResponse>(call);
        ResponseStream = new ClientResponseStream<TRequest, TResponse>(call);
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    public IMessageReader<TResponse> ResponseStream { get; }

    public void Dispose() => _call.Dispose();
}
