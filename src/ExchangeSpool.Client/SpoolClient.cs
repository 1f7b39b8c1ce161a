using ExchangeSpool.Grpc;
using ExchangeSpool.Protocol;

namespace ExchangeSpool.Client;

/// <summary>
/// A .NET client of an exchange-spool server, shaped like Trino's exchange SPI: the coordinator
/// creates exchanges, workers create sinks and sources.
/// </summary>
public sealed class SpoolClient : IDisposable
{
    private readonly GrpcChannel _channel;

    public SpoolClient(Uri address, SpoolClientOptions? options = null)
    {
        Options = options ?? new SpoolClientOptions();
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = Options.MaxMessageSize,
            MaxSendMessageSize = Options.MaxMessageSize,
            InitialHttp2StreamWindowSize = Options.StreamWindowSize,
        });
    }

    public SpoolClientOptions Options { get; }

    internal GrpcChannel Channel => _channel;

    public Task<ServerInfo> GetServerInfoAsync(CancellationToken cancellationToken = default) =>
        _channel.UnaryAsync(ExchangeSpoolMethods.GetServerInfo, new GetServerInfoRequest(), ControlCall(cancellationToken));

    public async Task<SpoolExchange> CreateExchangeAsync(string queryId, string exchangeId, int outputPartitionCount, bool preserveOrderWithinPartition,
        CancellationToken cancellationToken = default)
    {
        var descriptor = await _channel.UnaryAsync(ExchangeSpoolMethods.CreateExchange, new CreateExchangeRequest
        {
            Exchange = new ExchangeRef { QueryId = queryId, ExchangeId = exchangeId },
            PartitionCount = outputPartitionCount,
            PreserveOrder = preserveOrderWithinPartition,
        }, ControlCall(cancellationToken)).ConfigureAwait(false);
        return new SpoolExchange(this, descriptor);
    }

    public SpoolSink CreateSink(SpoolSinkInstanceHandle handle) => new(this, handle);

    public SpoolSource CreateSource() => new(this);

    internal CallOptions ControlCall(CancellationToken cancellationToken) =>
        new(DateTime.UtcNow + Options.ControlCallTimeout, cancellationToken);

    public void Dispose() => _channel.Dispose();
}
