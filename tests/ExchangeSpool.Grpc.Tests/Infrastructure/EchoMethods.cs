using ExchangeSpool.Grpc.Tests.Protos;

namespace ExchangeSpool.Grpc.Tests.Infrastructure;

/// <summary>The method descriptors of Protos/echo.proto (Grpc.Tools generates messages only).</summary>
internal static class EchoMethods
{
    public const string ServiceName = "exchangespool.test.EchoService";

    public static readonly Method<EchoRequest, EchoReply> Echo = new(
        MethodType.Unary, ServiceName, "Echo", ProtobufMarshaller.Create(EchoRequest.Parser), ProtobufMarshaller.Create(EchoReply.Parser));

    public static readonly Method<Number, SumReply> Sum = new(
        MethodType.ClientStreaming, ServiceName, "Sum", ProtobufMarshaller.Create(Number.Parser), ProtobufMarshaller.Create(SumReply.Parser));

    public static readonly Method<CountRequest, Number> Count = new(
        MethodType.ServerStreaming, ServiceName, "Count", ProtobufMarshaller.Create(CountRequest.Parser), ProtobufMarshaller.Create(Number.Parser));

    public static readonly Method<EchoRequest, EchoReply> Chat = new(
        MethodType.DuplexStreaming, ServiceName, "Chat", ProtobufMarshaller.Create(EchoRequest.Parser), ProtobufMarshaller.Create(EchoReply.Parser));
}
