using System.Security.Cryptography;
using ExchangeSpool.Client;
using ExchangeSpool.ContractTests.S3;
using ExchangeSpool.Protocol;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using static ExchangeSpool.ContractTests.EngineDriver;

namespace ExchangeSpool.ContractTests.Azure;

/// <summary>
/// A spool server whose Azure requests pass through a fault-injecting proxy: throttling and dropped
/// connections are retried by the SDK; a fault that lasts fails the sink or source cleanly, naming
/// container, blob and Azure error code, leaves no manifest behind, and committed data is readable
/// once it clears.
/// </summary>
[Collection(AzureCollection.Name)]
public sealed class AzureFaultTests(FaultyAzureSpoolServer server) : IClassFixture<FaultyAzureSpoolServer>, IDisposable
{
    private const int PageSize = 256 * 1024;

    /// <summary>48 pages of 256kB: a 12MB file, three 4MB blocks.</summary>
    private static readonly byte[][] Pages = Enumerable.Range(0, 48).Select(_ => RandomNumberGenerator.GetBytes(PageSize)).ToArray();

    private SpoolClient Client => server.Client;

    public void Dispose() => server.Proxy.Clear();

    private static bool PutBlock(HttpRequest request) => request.Method == "PUT" && request.Query["comp"] == "block";

    private static bool GetBlob(HttpRequest request) => request.Method == "GET" && !request.Query.ContainsKey("comp");

    private static bool RangedGetBlob(HttpRequest request) => GetBlob(request) && request.Headers.ContainsKey("x-ms-range");

    [Fact]
    public async Task ServerBusyOnBlockUploads_IsRetried_AndTheExchangeRoundTrips()
    {
        var retries = server.Storage.Counters.Retries;
        var injected = server.Proxy.Injected;
        var queryId = NewQueryId();
        server.Proxy.Inject(new Fault(FaultKind.ServerBusy, Fault.OfQuery(queryId, PutBlock), Times: 2));

        await using var exchange = await Client.CreateExchangeAsync(queryId, "busy", 1, false);
        var handles = await CommitAsync(exchange);

        Assert.Equal(2, server.Proxy.Injected - injected);
        Assert.True(server.Storage.Counters.Retries - retries >= 2);
        AssertPages(await ReadAsync(Client, FinalSelector(exchange, 1, (0, 0)), handles));
    }

    [Fact]
    public async Task ConnectionDroppedMidRead_EveryPageArrivesIntact()
    {
        var queryId = NewQueryId();
        await using var exchange = await Client.CreateExchangeAsync(queryId, "dropread", 1, false);
        var handles = await CommitAsync(exchange);
        var injected = server.Proxy.Injected;
        server.Proxy.Inject(new Fault(FaultKind.DropMidResponse, Fault.OfQuery(queryId, RangedGetBlob), Times: 1));

        AssertPages(await ReadAsync(Client, FinalSelector(exchange, 1, (0, 0)), handles));
        Assert.Equal(1, server.Proxy.Injected - injected);
    }

    [Fact]
    public async Task ServerBusyOnEveryBlockUpload_FailsTheSinkNamingContainerBlobCodeAndAttempts_AndLeavesNothing()
    {
        var queryId = NewQueryId();
        await using var exchange = await Client.CreateExchangeAsync(queryId, "busywrite", 1, false);
        server.Proxy.Inject(new Fault(FaultKind.ServerBusy, Fault.OfQuery(queryId, PutBlock)));

        var error = await Assert.ThrowsAsync<RpcException>(() => WriteAsync(Client, exchange, exchange.AddSink(0), 0, Pages.Select(p => (0, p)), finish: true));
        server.Proxy.Clear();

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(ErrorReasons.StorageUnavailable, SpoolErrors.Reason(error));
        Assert.Contains("Azure PutBlock", error.Status.Detail);
        Assert.Contains("0_0.data' in container 'spool-test-", error.Status.Detail);
        Assert.Contains("after 4 attempts: ServerBusy (HTTP 503)", error.Status.Detail);
        await AssertNothingLeftAsync(exchange, queryId);
    }

    [Fact]
    public async Task ServerBusyOnEveryRead_FailsTheSource_ThenTheCommittedExchangeIsReadable()
    {
        var queryId = NewQueryId();
        await using var exchange = await Client.CreateExchangeAsync(queryId, "busyread", 1, false);
        var handles = await CommitAsync(exchange);
        server.Proxy.Inject(new Fault(FaultKind.ServerBusy, Fault.OfQuery(queryId, GetBlob)));

        var error = await Record.ExceptionAsync(() => ReadAsync(Client, FinalSelector(exchange, 1, (0, 0)), handles));
        server.Proxy.Clear();

        Assert.NotNull(error);
        Assert.Contains("ServerBusy (HTTP 503)", error.Message);
        Assert.Contains("Azure GetBlob of blob '", error.Message);
        AssertPages(await ReadAsync(Client, FinalSelector(exchange, 1, (0, 0)), handles));
    }

    private async Task<IReadOnlyList<SpoolSourceHandle>> CommitAsync(SpoolExchange exchange)
    {
        var sink = exchange.AddSink(0);
        await WriteAsync(Client, exchange, sink, 0, Pages.Select(p => (0, p)), finish: true);
        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        return await AllHandlesAsync(exchange);
    }

    private static void AssertPages(List<byte[]> pages)
    {
        Assert.Equal(Pages.Length, pages.Count);
        Assert.Equal(Pages.Select(Convert.ToHexString).Order(), pages.Select(Convert.ToHexString).Order());
    }

    /// <summary>No blob of the exchange in either container, and planning finds no commit manifest.</summary>
    private async Task AssertNothingLeftAsync(SpoolExchange exchange, string queryId)
    {
        await WaitUntilAsync(async () => (await server.ExchangeDirectoriesOfQueryAsync(queryId)).Count == 0);
        exchange.SinkFinished(exchange.AddSink(0), 0);
        exchange.AllRequiredSinksFinished();
        var error = await Assert.ThrowsAsync<RpcException>(() => AllHandlesAsync(exchange));
        Assert.Contains("no commit manifest", error.Status.Detail);
    }
}
