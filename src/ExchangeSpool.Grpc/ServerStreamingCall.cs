namespace ExchangeSpool.Grpc;

/// <summary>A call that sent one request and reads a stream of responses. Dispose it: that cancels the call if it is not over.</summary>
public sealed class ServerStreamingCall<TResponse> : IDisposable
{
    private readonly IDisposable _call;

    internal ServerStreamingCall(IMessageReader<TResponse> responseStream, IDisposable call)
    {
        ResponseStream = responseStream;
        _call = call;
    }

    public IMessageReader<TResponse> ResponseStream { get; }

    public void Dispose() => _call.Dispose();
}
