using System.Security.Cryptography;
using Amazon.S3.Model;
using ExchangeSpool.Client;
using ExchangeSpool.Core.Storage;
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
        // The first write of a sink is its exchange's activity record (GatewayFailingEverythingWhileASinkFinishes covers a data file).
        Assert.Contains($"{ExchangeLayout.ActivityDirectoryName}/", error.Status.Detail);
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

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    public async Task CommittedObjectReplacedByAShorterOne_ReadFailsWithDataLoss_NamingIt(int length)
    {
        var queryId = NewQueryId();
        await using var exchange = await Client.CreateExchangeAsync(queryId, "shrunk", 1, false);
        var handles = await CommitAsync(exchange);
        var file = new Uri((await server.FilesOfQueryAsync(queryId)).Single(key => key.EndsWith("0_0.data", StringComparison.Ordinal)));
        using (var s3 = server.S3.CreateClient())
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = file.Host, Key = file.AbsolutePath[1..], InputStream = new MemoryStream(new byte[length]) });

        var failure = await Record.ExceptionAsync(() => ReadAsync(Client, FinalSelector(exchange, 1, (0, 0)), handles));

        var error = Assert.IsType<RpcException>(failure?.InnerException);
        Assert.Equal(StatusCode.DataLoss, error.StatusCode);
        Assert.Contains("0_0.data", error.Status.Detail);
        Assert.Contains($"is {length} bytes long, its commit manifest says", error.Status.Detail);
    }

    [Fact]
    public async Task GatewayFailingEverythingWhileASinkFinishes_NamesTheWriteThatFailed_NotTheCleanUpAfterIt()
    {
        var queryId = NewQueryId();
        await using var exchange = await Client.CreateExchangeAsync(queryId, "down", 1, false);
        var writer = Client.CreateSink(exchange.InstantiateSink(exchange.AddSink(0), 0));
        // 2MB: enough for the client to send, less than a part, so nothing reaches the storage before the finish.
        foreach (var page in Pages.Take(8))
            writer.Add(0, page);
        // Opening writes the exchange's activity record and reads the tombstone (for the record), then reads the tombstone
        // and the manifest; once all four are answered, every request fails. Counted by query: an earlier test's
        // background deletions pass the proxy too.
        await WaitUntilAsync(() => Task.FromResult(server.Proxy.ForwardedWith($".{queryId}.") >= 4));
        server.Proxy.Inject(new Fault(FaultKind.InternalError, Fault.OfQuery(queryId, _ => true)));

        var error = await Assert.ThrowsAsync<RpcException>(() => writer.FinishAsync());
        server.Proxy.Clear();

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("was completing its files: S3 PutObject s3://", error.Status.Detail);
        Assert.Contains("0_0.data failed after 4 attempts: InternalError (HTTP 500)", error.Status.Detail);
        Assert.DoesNotContain("/commit", error.Status.Detail);
    }

    [Fact]
    public async Task ExchangeClosedWhileAMultipartSinkFinishes_FailsAsClosed_AndLeavesNothing()
    {
        var queryId = NewQueryId();
        var exchange = await Client.CreateExchangeAsync(queryId, "closedupload", 1, false);
        var injected = server.Proxy.Injected;
        // Part uploads hang until the request timeout, so the close lands while the finish waits for them.
        server.Proxy.Inject(new Fault(FaultKind.Hang, Fault.OfQuery(queryId, Fault.PartUpload)));
        var writer = Client.CreateSink(exchange.InstantiateSink(exchange.AddSink(0), 0));
        foreach (var page in Pages)
            writer.Add(0, page);
        var finish = writer.FinishAsync();
        await WaitUntilAsync(() => Task.FromResult(server.Proxy.Injected > injected));

        await exchange.CloseAsync();
        server.Proxy.Clear();
        var error = await Assert.ThrowsAsync<RpcException>(() => finish);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("was closed", error.Status.Detail);
        await server.CleanUpsEndedAsync();
        await AssertNoUploadLeftAsync(queryId);
        await WaitUntilAsync(async () => (await server.FilesOfQueryAsync(queryId)).Count == 0);
    }

    /// <summary>
    /// The stalled benchmark's case: the gateway stops answering (part uploads and upload aborts hang
    /// until the request timeout). The finish fails once its part upload timed out, and its answer
    /// does not wait for the abort of its multipart upload, which still hangs in the background.
    /// </summary>
    [Fact]
    public async Task FinishWhileTheGatewayHangs_FailsWithoutWaitingForTheAbortOfItsUpload()
    {
        var queryId = NewQueryId();
        var exchange = await Client.CreateExchangeAsync(queryId, "hungfinish", 1, false);
        var uploadAbortHangs = HangPartUploadsAndUploadAborts(queryId);

        var error = await Assert.ThrowsAsync<RpcException>(() => WriteAsync(Client, exchange, exchange.AddSink(0), 0, Pages.Select(p => (0, p)), finish: true));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("UploadPart", error.Status.Detail);
        Assert.True(server.Server.Context.Cleanups.PendingCount > 0, "the failed finish answered only once its clean-up ended");
        await uploadAbortHangs.WaitAsync(Patience);
        server.Proxy.Clear();
        await AssertNothingLeftAsync(exchange, queryId);
    }

    /// <summary>
    /// The same outage met by an abort while two parts upload: the abort answers with the sink's memory
    /// back (the hanging parts' included) while the abort of its upload hangs, the attempt still
    /// registered; once the gateway answers again, nothing of it is left.
    /// </summary>
    [Fact]
    public async Task SinkAbortedWhileTheGatewayHangs_AnswersWithItsMemoryBack_WhileItsUploadIsAbortedInTheBackground()
    {
        var queryId = NewQueryId();
        var exchange = await Client.CreateExchangeAsync(queryId, "hungabort", 1, false);
        var injected = server.Proxy.Injected;
        var uploadAbortHangs = HangPartUploadsAndUploadAborts(queryId);
        var writer = Client.CreateSink(exchange.InstantiateSink(exchange.AddSink(0), 0));
        foreach (var page in Pages)
            writer.Add(0, page);
        // 12MB in 5MB parts: two parts upload (and hang) while the rest fills.
        await WaitUntilAsync(() => Task.FromResult(server.Proxy.Injected >= injected + 2));

        Assert.False(await writer.AbortAsync());

        var info = await Client.GetServerInfoAsync();
        Assert.Equal(0, info.MemoryUsedBytes);
        Assert.Equal(1, info.ActiveSinks);
        await uploadAbortHangs.WaitAsync(Patience);
        Assert.True(server.Server.Context.Cleanups.PendingCount > 0, "the clean-up ended though aborting the upload hangs");
        server.Proxy.Clear();
        await AssertNothingLeftAsync(exchange, queryId);
        Assert.Equal(0, (await Client.GetServerInfoAsync()).ActiveSinks);
    }

    /// <summary>Hangs the query's part uploads and upload aborts; the task completes once an upload abort hangs.</summary>
    private Task HangPartUploadsAndUploadAborts(string queryId)
    {
        var uploadAbortHangs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var partUpload = Fault.OfQuery(queryId, Fault.PartUpload);
        var uploadAbort = Fault.OfQuery(queryId, Fault.UploadAbort);
        server.Proxy.Inject(new Fault(FaultKind.Hang, request =>
        {
            if (!uploadAbort(request))
                return partUpload(request);
            uploadAbortHangs.TrySetResult();
            return true;
        }));
        return uploadAbortHangs.Task;
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
        await server.CleanUpsEndedAsync();
        Assert.Empty(await server.ExchangeDirectoriesOfQueryAsync(queryId));
        await AssertNoUploadLeftAsync(queryId);
        exchange.SinkFinished(exchange.AddSink(0), 0);
        exchange.AllRequiredSinksFinished();
        var error = await Assert.ThrowsAsync<RpcException>(() => AllHandlesAsync(exchange));
        Assert.Contains("no commit manifest", error.Status.Detail);
    }

    private async Task AssertNoUploadLeftAsync(string queryId)
    {
        using var client = server.S3.CreateClient();
        foreach (var bucket in server.Buckets)
        {
            var uploads = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket });
            Assert.DoesNotContain(uploads.MultipartUploads ?? [], upload => upload.Key.Contains($".{queryId}.", StringComparison.Ordinal));
        }
    }
}
