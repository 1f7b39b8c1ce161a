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

    [Fact]
    public async Task Server_AdvertisesA1MiBMaxFrameSize_SoClientsSendLargeDataFrames()
    {
        await using var server = await TestServer.StartEchoAsync();
        using var socket = new TcpClient();
        await socket.ConnectAsync(server.Address.Host, server.Address.Port);
        var stream = socket.GetStream();
        // The client preface, then an empty SETTINGS frame: the server answers with its own SETTINGS first.
        await stream.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray());
        await stream.WriteAsync(new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0 });

        var header = new byte[9];
        await stream.ReadExactlyAsync(header);
        Assert.Equal(4, header[3]);
        var payload = new byte[(header[0] << 16) | (header[1] << 8) | header[2]];
        await stream.ReadExactlyAsync(payload);
        var settings = Enumerable.Range(0, payload.Length / 6).ToDictionary(
            i => (payload[6 * i] << 8) | payload[6 * i + 1],
            i => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(6 * i + 2)));
        const int MaxFrameSize = 5;
        Assert.Equal(1024u * 1024, settings[MaxFrameSize]);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
