using ExchangeSpool.Client;
using ExchangeSpool.Protocol;

namespace ExchangeSpool.Server.Tests.Process;

/// <summary>Reads back what one committed sink attempt wrote, through whichever server the client talks to (any server can read what another committed).</summary>
internal static class SpooledPages
{
    public static async Task<List<byte[]>> ReadAllAsync(SpoolClient client, ExchangeDescriptor exchange, int sinkId = 0, int attemptId = 0)
    {
        using var timeout = new CancellationTokenSource(SpoolProcess.Timeout);
        var plan = new PlanSourceHandlesRequest { Exchange = exchange, Winners = { new WinningAttempt { SinkId = sinkId, AttemptId = attemptId } } };
        using var call = client.CallInvoker.AsyncServerStreamingCall(ExchangeSpoolMethods.PlanSourceHandles, null, new Grpc.Core.CallOptions(cancellationToken: timeout.Token), plan);
        var handles = new List<SpoolSourceHandle>();
        while (await call.ResponseStream.MoveNext(timeout.Token))
            handles.AddRange(call.ResponseStream.Current.Handles.Select(handle => new SpoolSourceHandle(exchange, handle)));
        await using var source = client.CreateSource();
        var exchangeId = exchange.Exchange.ExchangeId;
        source.SetOutputSelector(new OutputSelector.Builder()
            .SetPartitionCount(exchangeId, sinkId + 1).Include(exchangeId, sinkId, attemptId).SetFinal().Build());
        source.AddSourceHandles(handles);
        source.NoMoreSourceHandles();
        var pages = new List<byte[]>();
        while (!source.IsFinished)
        {
            if (source.Read() is { } page)
                pages.Add(page);
            else
                await source.IsBlocked().WaitAsync(timeout.Token);
        }
        return pages;
    }
}
