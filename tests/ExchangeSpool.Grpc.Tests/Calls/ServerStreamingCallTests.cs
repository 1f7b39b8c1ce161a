using ExchangeSpool.Grpc.Tests.Infrastructure;
using ExchangeSpool.Grpc.Tests.Protos;

namespace ExchangeSpool.Grpc.Tests.Calls;

public sealed class ServerStreamingCallTests
{
    [Fact]
    public async Task ServerStreaming_RoundTrip_ReadsEveryMessageThenEnds()
    {
        await using var server = await TestServer.StartEchoAsync();
        using var call = server.CreateChannel().ServerStreaming(EchoMethods.Count, new CountRequest { Count = 1000 });

        var values = new List<long>();
        while (await call.ResponseStream.MoveNextAsync())
        {
            values.Add(call.ResponseStream.Current.Value);
        }

        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), values);
        Assert.False(await call.ResponseStream.MoveNextAsync());
    }

    [Fact]
    public async Task ServerStreaming_NoMessages_EndsCleanly()
    {
        await using var server = await TestServer.StartEchoAsync();
        using var call = server.CreateChannel().ServerStreaming(EchoMethods.Count, new CountRequest { Count = 0 });

        Assert.False(await call.ResponseStream.MoveNextAsync());
    }

    [Fact]
    public async Task ServerStreaming_ErrorAfterSomeMessages_ReaderGetsMessagesThenStatus()
    {
        await using var server = await TestServer.StartAsync(binder => binder.AddServerStreamingMethod(
            EchoMethods.Count,
            async (request, responses, context) =>
            {
                await responses.WriteAsync(new Number { Value = 1 });
                await responses.WriteAsync(new Number { Value = 2 });
                throw new RpcException(StatusCode.DataLoss, "segment lost");
            }));
        using var call = server.CreateChannel().ServerStreaming(EchoMethods.Count, new CountRequest());

        Assert.True(await call.ResponseStream.MoveNextAsync());
        Assert.True(await call.ResponseStream.MoveNextAsync());
        var error = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNextAsync());

        Assert.Equal(new Status(StatusCode.DataLoss, "segment lost"), error.Status);
    }
}
