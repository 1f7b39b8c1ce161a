using ExchangeSpool.Grpc.Internal.Client;

namespace ExchangeSpool.Grpc;

/// <summary>A call that streams requests and gets one response. Dispose it: that cancels the call if it is not over.</summary>
public sealed class ClientStreamingCall<TRequest, TResponse> : IDisposable
{
    private readonly ClientCall<TRequest, TResponse> _call;

    internal ClientStreamingCall(ClientCall<TRequest, TResponse> call)
    {
        _call = call;
        RequestStream = new ClientRequestStream<TRequest, TResponse>(call);

        // Read the response from the start, so an early error status fails pending writes instead of leaving them blocked.
        ResponseAsync = call.ObserveSingleResponse();
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    /// <summary>The response; fails with <see cref="RpcException"/> when the call does.</summary>
    public Task<TResponse> ResponseAsync { get; }

    public void Dispose() => _call.Dispose();
}
