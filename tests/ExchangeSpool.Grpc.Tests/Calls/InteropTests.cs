using ExchangeSpool.Grpc.Tests.Infrastructure;
using ExchangeSpool.Grpc.Tests.Protos;
using Google.Protobuf;

namespace ExchangeSpool.Grpc.Tests.Calls;

/// <summary>Calls between ExchangeSpool.Grpc and @grpc/grpc-js, the reference gRPC implementation for node.</summary>
public sealed class InteropTests
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task GrpcJsClient_CallsEachMethodKindOnOurServer_AllSucceed()
    {
        await using var server = await TestServer.StartEchoAsync();
        using var node = NodeInteropProcess.Start("client", server.Port.ToString());

        var exitCode = await node.WaitForExitAsync(ProcessTimeout);

        Assert.True(exitCode == 0, $"node exited with {exitCode}:\n{node.Output}");
        Assert.Contains("interop client passed", node.Output);
    }

    [Fact]
    public async Task OurClient_CallsEachMethodKindOnGrpcJsServer_AllSucceed()
    {
        using var node = NodeInteropProcess.Start("server");
        var firstLine = await node.FirstLineAsync(ProcessTimeout);
        Assert.StartsWith("listening ", firstLine);
        using var channel = GrpcChannel.ForAddress(new Uri($"http://127.0.0.1:{firstLine["listening ".Length..]}"));
        var options = new CallOptions(Deadline: DateTime.UtcNow.Add(ProcessTimeout));

        var reply = await channel.UnaryAsync(EchoMethods.Echo, new EchoRequest { Text = "héllo", Payload = ByteString.CopyFrom(1, 2) }, options);
        var failure = await Assert.ThrowsAsync<RpcException>(
            () => channel.UnaryAsync(EchoMethods.Echo, new EchoRequest { Text = EchoService.FailPrefix + "pas trouvé 100%" }, options));

        using var sum = channel.ClientStreaming(EchoMethods.Sum, options);
        for (var i = 1; i <= 10; i++)
        {
            await sum.RequestStream.WriteAsync(new Number { Value = i });
        }

        await sum.RequestStream.CompleteAsync();
        var total = await sum.ResponseAsync;

        using var count = channel.ServerStreaming(EchoMethods.Count, new CountRequest { Count = 5 }, options);
        var numbers = new List<long>();
        while (await count.ResponseStream.MoveNextAsync())
        {
            numbers.Add(count.ResponseStream.Current.Value);
        }

        using var chat = channel.DuplexStreaming(EchoMethods.Chat, options);
        var echoed = new List<string>();
        foreach (var text in new[] { "a", "b", "c" })
        {
            await chat.RequestStream.WriteAsync(new EchoRequest { Text = text });
            Assert.True(await chat.ResponseStream.MoveNextAsync());
            echoed.Add(chat.ResponseStream.Current.Text);
        }

        await chat.RequestStream.CompleteAsync();
        Assert.False(await chat.ResponseStream.MoveNextAsync());

        Assert.Equal("héllo", reply.Text);
        Assert.Equal(ByteString.CopyFrom(1, 2), reply.Payload);
        Assert.Equal(new Status(StatusCode.NotFound, "pas trouvé 100%"), failure.Status);
        Assert.Equal(55, total.Total);
        Assert.Equal([1L, 2, 3, 4, 5], numbers);
        Assert.Equal(["a", "b", "c"], echoed);
    }
}
