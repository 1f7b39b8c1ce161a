using ExchangeSpool.Grpc.Tests.Infrastructure;
using ExchangeSpool.Grpc.Tests.Protos;

namespace ExchangeSpool.Grpc.Tests.Calls;

public sealed class DuplexStreamingCallTests
{
    [Fact]
    public async Task Duplex_RoundTrip_EchoesEachMessageBeforeTheNextIsSent()
    {
        await using var server = await TestServer.StartEchoAsync();
        using var call = server.CreateChannel().DuplexStreaming(EchoMethods.Chat);

        for (var i = 0; i < 50; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = $"ping {i}" });
            Assert.True(await call.ResponseStream.MoveNextAsync());
            Assert.Equal($"ping {i}", call.ResponseStream.Current.Text);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNextAsync());
    }

    [Fact]
    public async Task Duplex_ServerEndsWithError_ReaderSeesStatus()
    {
        await using var server = await TestServer.StartAsync(binder => binder.AddDuplexStreamingMethod(
            EchoMethods.Chat,
            async (requests, responses, context) =>
            {
                await requests.MoveNextAsync();
                await responses.WriteAsync(new EchoReply { Text = "one" });
                throw new RpcException(StatusCode.Aborted, "conflict");
            }));
        using var call = server.CreateChannel().DuplexStreaming(EchoMethods.Chat);

        await call.RequestStream.WriteAsync(new EchoRequest { Text = "go" });

        Assert.True(await call.ResponseStream.MoveNextAsync());
        var error = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNextAsync());
        Assert.Equal(new Status(StatusCode.Aborted, "conflict"), error.Status);
    }
}
