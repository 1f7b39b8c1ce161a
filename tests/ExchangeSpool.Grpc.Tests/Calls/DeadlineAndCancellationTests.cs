using ExchangeSpool.Grpc.Tests.Infrastructure;
using ExchangeSpool.Grpc.Tests.Protos;

namespace ExchangeSpool.Grpc.Tests.Calls;

public sealed class DeadlineAndCancellationTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Unary_DeadlineExceeded_ServerTokenFiresAndClientGetsDeadlineExceeded()
    {
        var server = await StartBlockingServerAsync(out var serverCancelled, out var serverDeadline);
        await using var _ = server;

        var error = await Assert.ThrowsAsync<RpcException>(() => server.CreateChannel().UnaryAsync(
            EchoMethods.Echo, new EchoRequest(), new CallOptions(Deadline: DateTime.UtcNow.AddMilliseconds(300))));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        await serverCancelled.Task.WaitAsync(Generous);
        Assert.NotNull(await serverDeadline.Task.WaitAsync(Generous));
    }

    [Fact]
    public async Task Unary_DeadlineAlreadyPassed_FailsWithDeadlineExceeded()
    {
        await using var server = await TestServer.StartEchoAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => server.CreateChannel().UnaryAsync(
            EchoMethods.Echo, new EchoRequest(), new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(-1))));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task Unary_ClientCancelsToken_ServerTokenFiresAndClientGetsCancelled()
    {
        var server = await StartBlockingServerAsync(out var serverCancelled, out var serverStarted);
        await using var _ = server;
        using var cts = new CancellationTokenSource();

        var call = server.CreateChannel().UnaryAsync(EchoMethods.Echo, new EchoRequest(), new CallOptions(CancellationToken: cts.Token));
        await serverStarted.Task.WaitAsync(Generous);
        await cts.CancelAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await serverCancelled.Task.WaitAsync(Generous);
    }

    [Fact]
    public async Task ServerStreaming_DisposedMidStream_ServerTokenFires()
    {
        var serverCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(binder => binder.AddServerStreamingMethod(
            EchoMethods.Count,
            async (_, responses, context) =>
            {
                using var registration = context.CancellationToken.Register(() => serverCancelled.TrySetResult());
                await responses.WriteAsync(new Number { Value = 1 });
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }));
        var call = server.CreateChannel().ServerStreaming(EchoMethods.Count, new CountRequest());

        Assert.True(await call.ResponseStream.MoveNextAsync());
        call.Dispose();

        await serverCancelled.Task.WaitAsync(Generous);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNextAsync());
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Fact]
    public async Task Duplex_ReadTokenCancelled_CancelsTheCall()
    {
        await using var server = await TestServer.StartEchoAsync();
        using var call = server.CreateChannel().DuplexStreaming(EchoMethods.Chat);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        var error = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNextAsync(cts.Token));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        var writeError = await Assert.ThrowsAsync<RpcException>(async () => await call.RequestStream.WriteAsync(new EchoRequest()));
        Assert.Equal(StatusCode.Cancelled, writeError.StatusCode);
    }

    /// <summary>A server whose Echo waits for its call token; reports when it started (with the deadline) and when the token fired.</summary>
    private static Task<TestServer> StartBlockingServerAsync(out TaskCompletionSource cancelled, out TaskCompletionSource<DateTime?> started)
    {
        var cancelledSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var startedSignal = new TaskCompletionSource<DateTime?>(TaskCreationOptions.RunContinuationsAsynchronously);
        cancelled = cancelledSignal;
        started = startedSignal;
        return TestServer.StartAsync(binder => binder.AddUnaryMethod(EchoMethods.Echo, async (_, context) =>
        {
            using var registration = context.CancellationToken.Register(() => cancelledSignal.TrySetResult());
            startedSignal.TrySetResult(context.Deadline);
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return new EchoReply();
        }));
    }
}
