using System.Security.Cryptography;
using Amazon.S3.Model;
using ExchangeSpool.Client;
using Grpc.Core;
using ExchangeSpool.Storage.S3;
using static ExchangeSpool.ContractTests.EngineDriver;

namespace ExchangeSpool.ContractTests.S3;

/// <summary>
/// A spool server whose S3 requests pass through a fault-injecting proxy: throttling and dropped
/// connections are retried; a fault that lasts fails the sink or source cleanly, naming bucket, key
/// and S3 error, leaves no manifest or upload behind, and committed data is readable once it clears.
/// </summary>
[Collection(S3Collection.Name)]
public sealed class S3FaultTests(FaultyS3SpoolServer server) : IClassFixture<FaultyS3SpoolServer>, IDisposable
{
    private const int PageSize = 256 * 1024;

    /// <summary>48 pages of 256kB: a 12MB file, a multipart upload of three 5MB parts.</summary>
    private static readonly byte[][] Pages = Enumerable.Range(0, 48).Select(_ => RandomNumberGenerator.GetBytes(PageSize)).ToArray();

    private SpoolClient Client => server.Client;

    public void Dispose() => server.Proxy.Clear();

    [Fact]
    public async Task SlowDownOnPartUploads_IsRetried_AndTheExchangeRoundTrips()
    {
        var retries = server.Storage.Counters.Retries;
        var injected = server.Proxy.Injected;
        var queryId = NewQueryId();
        server.Proxy.Inject(new Fault(FaultKind.SlowDown, Fault.OfQuery(queryId, Fault.PartUpload), Times: 2));

        await using var exchange = await Client.CreateExchangeAsync(queryId, "slowdown", 1, false);
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
        server.Proxy.Inject(new Fault(FaultKind.DropMidResponse, Fault.OfQuery(queryId, Fault.RangedGet), Times: 1));

        AssertPages(await ReadAsync(Client, FinalSelector(exchange, 1, (0, 0)), handles));
        Assert.Equal(1, server.Proxy.Injected - injected);
    }

    [Fact]
    public async Task GatewayDroppingPartUploads_FailsTheSinkCleanly()
    {
        var queryId = NewQueryId();
        await using var exchange = await Client.CreateExchangeAsync(queryId, "dropwrite", 1, false);
        server.Proxy.Inject(new Fault(FaultKind.DropMidRequest, Fault.OfQuery(queryId, Fault.PartUpload)));

        var error = await Assert.ThrowsAsync<RpcException>(() => WriteAsync(Client, exchange, exchange.AddSink(0), 0, Pages.Select(p => (0, p)), finish: true));
        server.Proxy.Clear();

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("UploadPart", error.Status.Detail);
        Assert.Contains($"s3://{server.Buckets[0]}/", error.Status.Detail.Replace(server.Buckets[1], server.Buckets[0]));
        Assert.Contains("after 4 attempts", error.Status.Detail);
        await AssertNothingLeftAsync(exchange, queryId);
    }

    [Fact]
    public async Task GatewayAnswering500ToEveryWrite_FailsTheSink_AndNoManifestAppears()
    {
        var queryId = NewQueryId();
        await using var exchange = await Client.CreateExchangeAsync(queryId, "error500", 1, false);
        server.Proxy.Inject(new Fault(FaultKind.InternalError, Fault.OfQuery(queryId, Fault.AnyPut)));

        var error = await Assert.ThrowsAsync<RpcException>(() => WriteAsync(Client, exchange, exchange.AddSink(0), 0, Strings((0, "small")), finish: true));
        server.Proxy.Clear();

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("InternalError (HTTP 500)", error.Status.Detail);
        Assert.Contains("0_0.data", error.Status.Detail);
        await AssertNothingLeftAsync(exchange, queryId);
    }

    [Fact]
    public async Task GatewayThrottlingEveryRead_FailsTheSource_ThenTheCommittedExchangeIsReadable()
    {
        var queryId = NewQueryId();
        await using var exchange = await Client.CreateExchangeAsync(queryId, "downread", 1, false);
        var handles = await CommitAsync(exchange);
        server.Proxy.Inject(new Fault(FaultKind.SlowDown, Fault.OfQuery(queryId, Fault.AnyGet)));

        var error = await Record.ExceptionAsync(() => ReadAsync(Client, FinalSelector(exchange, 1, (0, 0)), handles));
        server.Proxy.Clear();

        Assert.NotNull(error);
        Assert.Contains("SlowDown (HTTP 503)", error.Message);
        Assert.Contains("GetObject s3://", error.Message);
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

    /// <summary>No commit manifest, no object and no multipart upload of the exchange in either bucket; planning says so too.</summary>
    private async Task AssertNothingLeftAsync(SpoolExchange exchange, string queryId)
    {
        Assert.Empty(await server.ExchangeDirectoriesOfQueryAsync(queryId));
        using var client = server.S3.CreateClient();
        foreach (var bucket in server.Buckets)
        {
            var uploads = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket });
            Assert.DoesNotContain(uploads.MultipartUploads ?? [], upload => upload.Key.Contains($".{queryId}.", StringComparison.Ordinal));
        }
        exchange.SinkFinished(exchange.AddSink(0), 0);
        exchange.AllRequiredSinksFinished();
        var error = await Assert.ThrowsAsync<RpcException>(() => AllHandlesAsync(exchange));
        Assert.Contains("no commit manifest", error.Status.Detail);
    }
}
