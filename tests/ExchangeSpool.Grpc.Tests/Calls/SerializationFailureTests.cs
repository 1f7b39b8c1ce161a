using ExchangeSpool.Grpc.Tests.Infrastructure;
using ExchangeSpool.Grpc.Tests.Protos;
using Google.Protobuf;

namespace ExchangeSpool.Grpc.Tests.Calls;

/// <summary>A marshaller whose size calculator disagrees with its serializer must fail the call, never send a corrupt frame.</summary>
public sealed class SerializationFailureTests
{
    private static readonly Marshaller<EchoReply> OversizedReplies = new(
        EchoReply.Parser.ParseFrom, reply => reply.CalculateSize() + 1, (reply, output) => reply.WriteTo(output));

    private static readonly Marshaller<EchoRequest> OversizedRequests = new(
        EchoRequest.Parser.ParseFrom, request => request.CalculateSize() + 1, (request, output) => request.WriteTo(output));

    [Fact]
    public async Task Server_ResponseSerializerWritesWrongSize_ClientGetsInternal()
    {
        var lying = new Method<EchoRequest, EchoReply>(
            MethodType.Unary, EchoMethods.ServiceName, "Echo", EchoMethods.Echo.RequestMarshaller, OversizedReplies);
        await using var server = await TestServer.StartAsync(binder => binder.AddUnaryMethod(lying, EchoService.EchoAsync));

        var error = await Assert.ThrowsAsync<RpcException>(
            () => server.CreateChannel().UnaryAsync(EchoMethods.Echo, new EchoRequest { Text = "x" }));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task Client_RequestSerializerWritesWrongSize_FailsWithInternal()
    {
        await using var server = await TestServer.StartEchoAsync();
        var lying = new Method<EchoRequest, EchoReply>(
            MethodType.Unary, EchoMethods.ServiceName, "Echo", OversizedRequests, EchoMethods.Echo.ResponseMarshaller);

        var error = await Assert.ThrowsAsync<RpcException>(
            () => server.CreateChannel().UnaryAsync(lying, new EchoRequest { Text = "x" }));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }
}
