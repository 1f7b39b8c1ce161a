using ExchangeSpool.Grpc.Tests.Infrastructure;
using ExchangeSpool.Grpc.Tests.Protos;
using Google.Protobuf;

namespace ExchangeSpool.Grpc.Tests.Calls;

public sealed class MessageSizeLimitTests
{
    private static readonly EchoRequest TwoKilobytes = new() { Payload = ByteString.CopyFrom(new byte[2048]) };

    [Fact]
    public async Task Server_RequestOverMaxReceiveSize_IsRejectedWithResourceExhausted()
    {
        await using var server = await TestServer.StartEchoAsync(options => options.MaxReceiveMessageSize = 1024);

        var error = await Assert.ThrowsAsync<RpcException>(() => server.CreateChannel().UnaryAsync(EchoMethods.Echo, TwoKilobytes));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("1024", error.Status.Detail);
    }

    [Fact]
    public async Task Server_ResponseOverMaxSendSize_FailsTheCallWithResourceExhausted()
    {
        await using var server = await TestServer.StartEchoAsync(options => options.MaxSendMessageSize = 1024);

        var error = await Assert.ThrowsAsync<RpcException>(() => server.CreateChannel().UnaryAsync(EchoMethods.Echo, TwoKilobytes));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Client_ResponseOverMaxReceiveSize_IsRejectedWithResourceExhausted()
    {
        await using var server = await TestServer.StartEchoAsync();
        var channel = server.CreateChannel(new GrpcChannelOptions { MaxReceiveMessageSize = 1024 });

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(EchoMethods.Echo, TwoKilobytes));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("1024", error.Status.Detail);
    }

    [Fact]
    public async Task Client_RequestOverMaxSendSize_FailsWithoutReachingTheServer()
    {
        var called = false;
        await using var server = await TestServer.StartAsync(binder => binder.AddUnaryMethod(EchoMethods.Echo, (_, _) =>
        {
            called = true;
            return Task.FromResult(new EchoReply());
        }));
        var channel = server.CreateChannel(new GrpcChannelOptions { MaxSendMessageSize = 1024 });

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(EchoMethods.Echo, TwoKilobytes));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.False(called);
    }

    [Fact]
    public async Task Client_StreamedRequestOverMaxSendSize_FailsWriteAndCall()
    {
        await using var server = await TestServer.StartEchoAsync();
        var channel = server.CreateChannel(new GrpcChannelOptions { MaxSendMessageSize = 1024 });
        using var call = channel.DuplexStreaming(EchoMethods.Chat);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await call.RequestStream.WriteAsync(TwoKilobytes));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNextAsync());
    }
}
