using ExchangeSpool.Client;
using ExchangeSpool.Server.Cli;
using ExchangeSpool.Protocol;

namespace ExchangeSpool.Server.Tests.Process;

/// <summary>Pages through a server and back: one sink of one partition, then every page it committed.</summary>
internal static class RoundTrip
{
    /// <summary>Writes <paramref name="pages"/> (UTF-8) into a new exchange and returns what a source reads back, as <c>exchange-spool check</c> does.</summary>
    public static async Task<List<string>> WriteAndReadAsync(SpoolClient client, IReadOnlyList<string> pages)
    {
        using var timeout = new CancellationTokenSource(SpoolProcess.Timeout);
        var read = await RoundTripCheck.WriteAndReadAsync(client, pages.Select(System.Text.Encoding.UTF8.GetBytes).ToList(), timeout.Token);
        return read.Select(page => System.Text.Encoding.UTF8.GetString(page)).ToList();
    }

    public static Task<List<byte[]>> ReadAllAsync(SpoolClient client, SpoolExchange exchange) => ReadAllAsync(client, exchange.Descriptor);

    /// <summary>
    /// What one committed sink attempt wrote, planned and read through whichever server the client talks to
    /// (any server can read what another committed).
    /// </summary>
    public static async Task<List<byte[]>> ReadAllAsync(SpoolClient client, ExchangeDescriptor exchange, int sinkId = 0, int attemptId = 0)
    {
        using var timeout = new CancellationTokenSource(SpoolProcess.Timeout);
        var plan = new PlanSourceHandlesRequest { Exchange = exchange, Winners = { new WinningAttempt { SinkId = sinkId, AttemptId = attemptId } } };
        using var call = client.CallInvoker.AsyncServerStreamingCall(ExchangeSpoolMethods.PlanSourceHandles, null, new Grpc.Core.CallOptions(cancellationToken: timeout.Token), plan);
        var handles = new List<SpoolSourceHandle>();
        while (await call.ResponseStream.MoveNext(timeout.Token))
            handles.AddRange(call.ResponseStream.Current.Handles.Select(handle => new SpoolSourceHandle(exchange, handle)));
        var exchangeId = exchange.Exchange.ExchangeId;
        return await RoundTripCheck.ReadAsync(client, handles, new OutputSelector.Builder()
            .SetPartitionCount(exchangeId, sinkId + 1).Include(exchangeId, sinkId, attemptId).SetFinal().Build(), timeout.Token);
    }
}
