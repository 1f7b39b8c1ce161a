using Google.Protobuf;

namespace ExchangeSpool.Grpc;

/// <summary>Marshallers for Google.Protobuf messages, without intermediate byte arrays.</summary>
public static class ProtobufMarshaller
{
    public static Marshaller<T> Create<T>(MessageParser<T> parser)
        where T : IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(parser);
        return new Marshaller<T>(
            parser.ParseFrom,
            static message => message.CalculateSize(),
            static (message, output) => message.WriteTo(output));
    }
}
