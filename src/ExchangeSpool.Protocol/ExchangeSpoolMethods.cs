using Google.Protobuf;
using Grpc.Core;

namespace ExchangeSpool.Protocol;

/// <summary>
/// The methods of proto/exchange_spool.proto with their marshallers, shared by the server and the
/// .NET client. Control messages are Google.Protobuf messages parsed from and written to gRPC's own
/// buffers; the data plane's page batches use <see cref="PageBatch"/>, which never puts page bytes
/// into a ByteString.
/// </summary>
public static class ExchangeSpoolMethods
{
    public const string ServiceName = "exchangespool.v1.ExchangeSpool";

    public static readonly Method<GetServerInfoRequest, ServerInfo> GetServerInfo =
        Control(MethodType.Unary, nameof(GetServerInfo), GetServerInfoRequest.Parser, ServerInfo.Parser);

    public static readonly Method<CreateExchangeRequest, ExchangeDescriptor> CreateExchange =
        Control(MethodType.Unary, nameof(CreateExchange), CreateExchangeRequest.Parser, ExchangeDescriptor.Parser);

    public static readonly Method<PlanSourceHandlesRequest, SourceHandleBatch> PlanSourceHandles =
        Control(MethodType.ServerStreaming, nameof(PlanSourceHandles), PlanSourceHandlesRequest.Parser, SourceHandleBatch.Parser);

    public static readonly Method<CloseExchangeRequest, CloseExchangeResponse> CloseExchange =
        Control(MethodType.Unary, nameof(CloseExchange), CloseExchangeRequest.Parser, CloseExchangeResponse.Parser);

    /// <summary>Client-streaming; requests are <see cref="SinkMessage"/> read as <see cref="PageBatch"/>.</summary>
    public static readonly Method<PageBatch, SinkResult> WriteSink =
        new(MethodType.ClientStreaming, ServiceName, nameof(WriteSink), PageBatch.Marshaller, ProtobufMarshaller(SinkResult.Parser));

    public static readonly Method<AbortSinkRequest, AbortSinkResponse> AbortSink =
        Control(MethodType.Unary, nameof(AbortSink), AbortSinkRequest.Parser, AbortSinkResponse.Parser);

    /// <summary>Server-streaming; responses are <see cref="SourcePages"/> written as <see cref="PageBatch"/>.</summary>
    public static readonly Method<ReadSourceRequest, PageBatch> ReadSource =
        new(MethodType.ServerStreaming, ServiceName, nameof(ReadSource), ProtobufMarshaller(ReadSourceRequest.Parser), PageBatch.Marshaller);

    /// <summary>A Google.Protobuf message parsed from gRPC's payload sequence and written into its buffer writer.</summary>
    public static Marshaller<T> ProtobufMarshaller<T>(MessageParser<T> parser)
        where T : IMessage<T> =>
        Marshallers.Create<T>(
            static (message, context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                message.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context => Parse(parser, context));

    private static T Parse<T>(MessageParser<T> parser, DeserializationContext context)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(context.PayloadAsReadOnlySequence());
        }
        catch (InvalidProtocolBufferException e)
        {
            throw SpoolErrors.ToRpcException(StatusCode.InvalidArgument, ErrorReasons.InvalidRequest,
                $"the {typeof(T).Name} message cannot be decoded: {e.Message}");
        }
    }

    private static Method<TRequest, TResponse> Control<TRequest, TResponse>(
        MethodType type, string name, MessageParser<TRequest> request, MessageParser<TResponse> response)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse> =>
        new(type, ServiceName, name, ProtobufMarshaller(request), ProtobufMarshaller(response));
}
