using System.Net;
using System.Net.Sockets;
using ExchangeSpool.Grpc.Tests.Infrastructure;
using ExchangeSpool.Grpc.Tests.Protos;

namespace ExchangeSpool.Grpc.Tests.Calls;

public sealed class TransportTests
{
    [Fact]
    public async Task ConnectionRefused_FailsWithUnavailableNamingTheAddress()
    {
        var port = FreePort();
        using var channel = GrpcChannel.ForAddress(new Uri($"http://127.0.0.1:{port}"));

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(EchoMethods.Echo, new EchoRequest()));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains($"127.0.0.1:{port}", error.Status.Detail);
    }

    [Fact]
    public async Task ServerStopsDuringStream_ReaderFailsInsteadOfHanging()
    {
        var streaming = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = await TestServer.StartAsync(binder => binder.AddServerStreamingMethod(
            EchoMethods.Count,
            async (_, responses, context) =>
            {
                await responses.WriteAsync(new Number { Value = 1 });
                streaming.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }));
        using var channel = GrpcChannel.ForAddress(server.Address);
        using var call = channel.ServerStreaming(EchoMethods.Count, new CountRequest());
        Assert.True(await call.ResponseStream.MoveNextAsync());
        await streaming.Task;

        await server.DisposeAsync();

        var error = await Assert.ThrowsAsync<RpcException>(
            async () => await call.ResponseStream.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
