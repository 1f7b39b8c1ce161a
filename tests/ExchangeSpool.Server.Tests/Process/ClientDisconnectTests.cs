using ExchangeSpool.Client;
using Grpc.Core;
using Google.Protobuf;

namespace ExchangeSpool.Server.Tests.Process;

/// <summary>What the server does when a client process dies in the middle of a call.</summary>
public sealed class ClientDisconnectTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ClientProcessKilledMidSink_ServerAbortsTheAttempt()
    {
        // 64kB blocks (the smallest buffer), so most of the 256kB the client sends reach the attempt's files before it dies.
        await using var server = await InProcessSpoolServer.StartAsync("--exchange.spool.sink-buffer-size=64kB");
        var client = server.Client;
        await using var exchange = await client.CreateExchangeAsync("killed", "e", 1, false);
        var sink = exchange.AddSink(0);
        var attemptDirectories = exchange.Descriptor.StorageLocations.Select(location => Path.Combine(location, "0", "0")).ToArray();

        using (var node = NodeInterop.Start("hang-in-sink", $"{server.Address.Host}:{server.Address.Port}",
            Convert.ToBase64String(exchange.Descriptor.ToByteArray())))
        {
            await node.WaitForLineAsync(line => line == "sent", Patience);
            await WaitUntilAsync(async () => (await client.GetServerInfoAsync()).ActiveSinks == 1 && attemptDirectories.Any(Directory.Exists),
                "the sink to be active with its attempt directory written", node.Output);
            node.Kill();
        }
        await WaitUntilAsync(async () => (await client.GetServerInfoAsync()).ActiveSinks == 0, "the sink to end once its client died", "");

        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in exchange.GetSourceHandlesAsync())
            {
            }
        });
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("no commit manifest", error.Status.Detail);
        Assert.DoesNotContain(attemptDirectories, Directory.Exists);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, string output)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"waited {Patience} for {what}\n{output}");
            await Task.Delay(50);
        }
    }
}
