namespace ExchangeSpool.Server.Tests.Process;

/// <summary>@grpc/grpc-js, knowing only proto/exchange_spool.proto, against the real ExchangeSpool service.</summary>
public sealed class GrpcJsInteropTests
{
    [Fact]
    public async Task GrpcJsClient_DrivesAnExchangeThroughEveryMethodKind_AllChecksPass()
    {
        await using var server = await InProcessSpoolServer.StartAsync();
        using var node = NodeInterop.Start("exchange", $"{server.Address.Host}:{server.Address.Port}");

        var exitCode = await node.WaitForExitAsync(NodeInterop.Timeout);

        Assert.True(exitCode == 0, $"node exited with {exitCode}:\n{node.Output}");
        Assert.Contains("interop passed", node.Stdout);
    }
}
