using System.Collections.Concurrent;
using ExchangeSpool.Grpc.Internal.Client;

namespace ExchangeSpool.Grpc;

/// <summary>
/// A client for one server address. Calls go over HTTP/2 (h2c with prior knowledge for <c>http://</c>),
/// multiplexed on shared connections; create one channel per address and reuse it.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly ConcurrentDictionary<string, Uri> _methodUris = new(StringComparer.Ordinal);
    private readonly bool _ownsHandler;
    private bool _disposed;

    private GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        Address = address;
        MaxReceiveMessageSize = options.MaxReceiveMessageSize;
        MaxSendMessageSize = options.MaxSendMessageSize;
        _ownsHandler = options.HttpHandler is null;
        Invoker = new HttpMessageInvoker(options.HttpHandler ?? CreateHandler(options), disposeHandler: _ownsHandler);
    }

    public Uri Address { get; }

    public int MaxReceiveMessageSize { get; }

    public int MaxSendMessageSize { get; }

    internal HttpMessageInvoker Invoker { get; }

    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Expected an absolute http:// or https:// address, got '{address}'.", nameof(address));
        }

        options ??= new GrpcChannelOptions();
        if (options.MaxReceiveMessageSize <= 0 || options.MaxSendMessageSize <= 0)
        {
            throw new ArgumentException("Message size limits must be positive.", nameof(options));
        }

        return new GrpcChannel(address, options);
    }

    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) =>
        ForAddress(new Uri(address, UriKind.Absolute), options);

    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(
        Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
    {
        CheckCall(method, MethodType.Unary);
        using var call = ClientCall<TRequest, TResponse>.StartWithSingleRequest(this, method, request, options);
        return await call.ReadSingleResponseAsync().ConfigureAwait(false);
    }

    public ClientStreamingCall<TRequest, TResponse> ClientStreaming<TRequest, TResponse>(
        Method<TRequest, TResponse> method, CallOptions options = default)
    {
        CheckCall(method, MethodType.ClientStreaming);
        return new ClientStreamingCall<TRequest, TResponse>(ClientCall<TRequest, TResponse>.StartWithRequestStream(this, method, options));
    }

    public ServerStreamingCall<TResponse> ServerStreaming<TRequest, TResponse>(
        Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
    {
        CheckCall(method, MethodType.ServerStreaming);
        var call = ClientCall<TRequest, TResponse>.StartWithSingleRequest(this, method, request, options);
        return new ServerStreamingCall<TResponse>(new ClientResponseStream<TRequest, TResponse>(call), call);
    }

    public DuplexStreamingCall<TRequest, TResponse> DuplexStreaming<TRequest, TResponse>(
        Method<TRequest, TResponse> method, CallOptions options = default)
    {
        CheckCall(method, MethodType.DuplexStreaming);
        return new DuplexStreamingCall<TRequest, TResponse>(ClientCall<TRequest, TResponse>.StartWithRequestStream(this, method, options));
    }

    public void Dispose()
    {
        _disposed = true;
        Invoker.Dispose();
    }

    internal Uri GetMethodUri(string fullName) =>
        _methodUris.GetOrAdd(fullName, static (name, address) => new Uri(address, name), Address);

    private static SocketsHttpHandler CreateHandler(GrpcChannelOptions options)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (options.InitialHttp2StreamWindowSize is { } window)
        {
            handler.InitialHttp2StreamWindowSize = window;
        }

        return handler;
    }

    private void CheckCall<TRequest, TResponse>(Method<TRequest, TResponse> method, MethodType expectedType)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(method);
        if (method.Type != expectedType)
        {
            throw new ArgumentException($"Method {method.FullName} is {method.Type}, not {expectedType}.", nameof(method));
        }
    }
}
