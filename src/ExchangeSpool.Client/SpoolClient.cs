using ExchangeSpool.Core.Storage;
using ExchangeSpool.Protocol;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace ExchangeSpool.Client;

/// <summary>
/// A .NET client of an exchange-spool server, shaped like Trino's exchange SPI: the coordinator
/// creates exchanges, workers create sinks and sources. All calls share one channel, which opens
/// another HTTP/2 connection when the server's per-connection stream limit is reached.
/// </summary>
public sealed class SpoolClient : IDisposable
{
    private readonly GrpcChannel _channel;

    /// <exception cref="ArgumentException">The CA file holds no certificate.</exception>
    /// <exception cref="IOException">The CA or token file cannot be read.</exception>
    /// <exception cref="InvalidDataException">The token file holds no usable token.</exception>
    public SpoolClient(Uri address, SpoolClientOptions? options = null)
    {
        Options = options ?? new SpoolClientOptions();
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = Options.MultipleConnections,
            InitialHttp2StreamWindowSize = Options.StreamWindowSize,
        };
        if (Options.CaCertificateFile is { } caFile)
            handler.SslOptions.RemoteCertificateValidationCallback = new PrivateCertificateAuthority(caFile, nameof(SpoolClientOptions.CaCertificateFile)).Validate;
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = Options.MaxMessageSize,
            MaxSendMessageSize = Options.MaxMessageSize,
            HttpHandler = handler,
        });
        CallInvoker = Options.BearerTokenFile is { } tokenFile
            ? WithBearerToken(_channel.CreateCallInvoker(), BearerTokens.Scheme + BearerTokens.ReadFile(tokenFile))
            : _channel.CreateCallInvoker();
    }

    public SpoolClientOptions Options { get; }

    /// <summary>The channel's invoker, for calls made with <see cref="ExchangeSpoolMethods"/> directly (tools, tests).</summary>
    public CallInvoker CallInvoker { get; }

    public Task<ServerInfo> GetServerInfoAsync(CancellationToken cancellationToken = default) =>
        UnaryAsync(ExchangeSpoolMethods.GetServerInfo, new GetServerInfoRequest(), cancellationToken);

    public async Task<SpoolExchange> CreateExchangeAsync(string queryId, string exchangeId, int outputPartitionCount, bool preserveOrderWithinPartition,
        CancellationToken cancellationToken = default)
    {
        var descriptor = await UnaryAsync(ExchangeSpoolMethods.CreateExchange, new CreateExchangeRequest
        {
            Exchange = new ExchangeRef { QueryId = queryId, ExchangeId = exchangeId },
            PartitionCount = outputPartitionCount,
            PreserveOrder = preserveOrderWithinPartition,
        }, cancellationToken).ConfigureAwait(false);
        return new SpoolExchange(this, descriptor);
    }

    public SpoolSink CreateSink(SpoolSinkInstanceHandle handle) => new(this, handle);

    public SpoolSource CreateSource() => new(this);

    /// <summary>A control call, bounded by <see cref="SpoolClientOptions.ControlCallTimeout"/>.</summary>
    internal async Task<TResponse> UnaryAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CancellationToken cancellationToken)
        where TRequest : class
        where TResponse : class =>
        await CallInvoker.AsyncUnaryCall(method, null, ControlCall(cancellationToken), request).ResponseAsync.ConfigureAwait(false);

    internal CallOptions ControlCall(CancellationToken cancellationToken) =>
        new(deadline: DateTime.UtcNow + Options.ControlCallTimeout, cancellationToken: cancellationToken);

    public void Dispose() => _channel.Dispose();

    private static CallInvoker WithBearerToken(CallInvoker invoker, string authorization) =>
        invoker.Intercept(metadata =>
        {
            metadata.Add(BearerTokens.HeaderName, authorization);
            return metadata;
        });
}
