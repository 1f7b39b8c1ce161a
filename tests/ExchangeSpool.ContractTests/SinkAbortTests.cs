using Grpc.Core;
using static ExchangeSpool.ContractTests.EngineDriver;

namespace ExchangeSpool.ContractTests;

/// <summary>How the .NET sink ends when it is aborted: its finish fails as cancelled or succeeds, never as the server's refusal of a stream it did not understand.</summary>
public sealed class SinkAbortTests(LocalSpoolServer server) : IClassFixture<LocalSpoolServer>
{
    /// <summary>
    /// An abort right after finish, before the sender took the finishing batch: the sender skipped
    /// it and half-closed a stream that had carried no message, which the server refused as
    /// INVALID_ARGUMENT ("ended before its first message"); seen once in the shared-connection suite.
    /// Many tries, as the abort has to land between finish and the sender's next read.
    /// </summary>
    [Fact]
    public async Task AbortRightAfterFinish_EndsTheFinishAsCancelledOrCommitted()
    {
        var client = server.Client;
        await using var exchange = await client.CreateExchangeAsync(NewQueryId(), "abort", 1, false);
        for (var sink = 0; sink < 200; sink++)
        {
            var writer = client.CreateSink(exchange.InstantiateSink(exchange.AddSink(sink), 0));
            writer.Add(0, new byte[1000]);
            var finish = writer.FinishAsync();
            var committed = await writer.AbortAsync();
            try
            {
                await finish;
                Assert.True(committed, $"sink {sink}: the finish succeeded but the abort deleted the attempt");
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Cancelled)
            {
            }
        }
    }
}
