using ExchangeSpool.Grpc;
using Google.Protobuf;

namespace ExchangeSpool.Protocol;

/// <summary>The methods of proto/exchange_spool.proto, with their marshallers; shared by server and client.</summary>
public static class ExchangeSpoolMethods
{
    public const string ServiceName = "exchangespool.v1.ExchangeSpool";

    public static readonly Method<GetServerInfoRequest, ServerInfo> GetServerInfo =
        Unary(nameof(GetServerInfo), GetServerInfoRequest.Parser, ServerInfo.Parser);

    public static readonly Method<CreateExchangeRequest, ExchangeDescriptor> CreateExchange =
        Unary(nameof(CreateExchange), CreateExchangeRequest.Parser, ExchangeDescriptor.Parser);

    public static readonly Method<PlanSourceHandlesRequest, SourceHandleBatch> PlanSourceHandles =
        new(MethodType.ServerStreaming, ServiceName, nameof(PlanSourceHandles),
            ProtobufMarshaller.Create(PlanSourceHandlesRequest.Parser), ProtobufMarshaller.Create(SourceHandleBatch.Parser));

    public static readonly Method<CloseExchangeRequest, CloseExchangeResponse> CloseExchange =
        Unary(nameof(CloseExchange), CloseExchangeRequest.Parser, CloseExchangeResponse.Parser);

    /// <summary>Client-streaming; requests are <see cref="SinkMessage"/> read as <see cref="PageBatch"/>.</summary>
    public static readonly Method<PageBatch, SinkResult> WriteSink =
        new(MethodType.ClientStreaming, ServiceName, nameof(WriteSink), PageBatch.Marshaller, ProtobufMarshaller.Create(SinkResult.Parser));

    public static readonly Method<AbortSinkRequest, AbortSinkResponse> AbortSink =
        Unary(nameof(AbortSink), AbortSinkRequest.Parser, AbortSinkResponse.Parser);

    /// <summary>Server-streaming; responses are <see cref="SourcePages"/> written as <see cref="PageBatch"/>.</summary>
    public static readonly Method<ReadSourceRequest, PageBatch> ReadSource =
        new(MethodType.ServerStreaming, ServiceName, nameof(ReadSource), ProtobufMarshaller.Create(ReadSourceRequest.Parser), PageBatch.Marshaller);

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name, MessageParser<TRequest> request, MessageParser<TResponse> response)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse> =>
        new(MethodType.Unary, ServiceName, name, ProtobufMarshaller.Create(request), ProtobufMarshaller.Create(response));
}
