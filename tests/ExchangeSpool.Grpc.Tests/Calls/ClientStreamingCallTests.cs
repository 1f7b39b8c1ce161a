using ExchangeSpool.Grpc.Tests.Infrastructure;
using ExchangeSpool.Grpc.Tests.Protos;
using Google.Protobuf;

namespace ExchangeSpool.Grpc.Tests.Calls;

public sealed class ClientStreamingCallTests
{
    private static readonly Method<EchoRequest, EchoReply> Upload = new(
        MethodType.ClientStreaming,
        EchoMethods.ServiceName,
        "Upload",
        ProtobufMarshaller.Create(EchoRequest.Parser),
        ProtobufMarshaller.Create(EchoReply.Parser));

    [Fact]
    public async Task ClientStreaming_RoundTrip_ServerSeesEveryMessage()
    {
        await using var server = await TestServer.StartEchoAsync();
        using var call = server.CreateChannel().ClientStreaming(EchoMethods.Sum);

        for (var i = 1; i <= 100; i++)
        {
            await call.RequestStream.WriteAsync(new Number { Value = i });
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call.ResponseAsync;

        Assert.Equal(5050, reply.Total);
        Assert.Equal(100, reply.Count);
    }

    [Fact]
    public async Task ClientStreaming_NoMessages_ServerSeesEmptyStream()
    {
        await using var server = await TestServer.StartEchoAsync();
        using var call = server.CreateChannel().ClientStreaming(EchoMethods.Sum);

        await call.RequestStream.CompleteAsync();

        Assert.Equal(0, (await call.ResponseAsync).Count);
    }

    [Fact]
    public async Task ClientStreaming_ServerFailsWhileClientBlockedOnFlowControl_WriteAsyncFailsWithServerStatus()
    {
        await using var server = await TestServer.StartAsync(binder => binder.AddClientStreamingMethod(Upload, async (requests, context) =>
        {
            await requests.MoveNextAsync();

            // Stop reading long enough for the client to fill the flow-control windows and block.
            await Task.Delay(300, context.CancellationToken);
            throw new RpcException(StatusCode.FailedPrecondition, "stop sending");
        }));
        using var call = server.CreateChannel().ClientStreaming(Upload);
        var chunk = new EchoRequest { Payload = ByteString.CopyFrom(new byte[1024 * 1024]) };

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                await call.RequestStream.WriteAsync(chunk).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            }
        });

        Assert.Equal(new Status(StatusCode.FailedPrecondition, "stop sending"), error.Status);
        var responseError = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, responseError.StatusCode);
    }

    [Fact]
    public async Task ClientStreaming_WriteAfterComplete_IsRejected()
    {
        await using var server = await TestServer.StartEchoAsync();
        using var call = server.CreateChannel().ClientStreaming(EchoMethods.Sum);
        await call.RequestStream.CompleteAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await call.RequestStream.WriteAsync(new Number()));
        await call.ResponseAsync;
    }
}
