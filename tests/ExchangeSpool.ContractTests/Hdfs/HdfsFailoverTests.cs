using System.Security.Cryptography;
using ExchangeSpool.Client;
using ExchangeSpool.Protocol;
using Grpc.Core;
using static ExchangeSpool.ContractTests.EngineDriver;

namespace ExchangeSpool.ContractTests.Hdfs;

/// <summary>
/// A spool server on an HA pair of namenodes: a failover while a sink appends or a source reads is
/// followed without losing or repeating a byte; a permission error fails the sink at once, naming
/// the path and Hadoop's exception, and leaves nothing behind.
/// </summary>
public sealed class HdfsFailoverTests(FailoverHdfsSpoolServer server) : IClassFixture<FailoverHdfsSpoolServer>, IDisposable
{
    private const int PageSize = 256 * 1024;

    /// <summary>48 pages of 256kB: a 12MB file, a CREATE and two APPENDs of 4MB.</summary>
    private static readonly byte[][] Pages = Enumerable.Range(0, 48).Select(_ => RandomNumberGenerator.GetBytes(PageSize)).ToArray();

    private SpoolClient Client => server.Client;

    public void Dispose() => server.WebHdfs.ClearFaults();

    [Fact]
    public async Task FailoverMidWrite_TheExchangeRoundTrips()
    {
        var failovers = server.Storage.Counters.Failovers;
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "failover-write", 1, false);
        server.WebHdfs.FailOverAfter("APPEND", 1);

        var handles = await CommitAsync(exchange);

        Assert.True(server.Storage.Counters.Failovers > failovers);
        AssertPages(await ReadAsync(Client, FinalSelector(exchange, 1, (0, 0)), handles));
    }

    [Fact]
    public async Task FailoverMidRead_EveryPageArrivesOnce()
    {
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "failover-read", 1, false);
        var handles = await CommitAsync(exchange);
        var failovers = server.Storage.Counters.Failovers;
        server.WebHdfs.FailOverAfter("OPEN", 1);

        AssertPages(await ReadAsync(Client, FinalSelector(exchange, 1, (0, 0)), handles));

        Assert.True(server.Storage.Counters.Failovers > failovers);
    }

    [Fact]
    public async Task PermissionDenied_FailsTheSinkNamingPathAndAccessControlException_AndLeavesNothing()
    {
        var queryId = NewQueryId();
        await using var exchange = await Client.CreateExchangeAsync(queryId, "denied", 1, false);
        SetBaseDirectoryOwners("hdfs");
        RpcException error;
        try
        {
            error = await Assert.ThrowsAsync<RpcException>(() => WriteAsync(Client, exchange, exchange.AddSink(0), 0, Pages.Take(2).Select(p => (0, p)), finish: true));
        }
        finally
        {
            SetBaseDirectoryOwners(server.Hdfs.User);
        }

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(ErrorReasons.StorageUnavailable, SpoolErrors.Reason(error));
        Assert.Contains($"HDFS CREATE hdfs://{WebHdfsTestServer.Nameservice}{server.Hdfs.Root}/", error.Status.Detail);
        Assert.Contains("AccessControlException (HTTP 403): Permission denied: user=spool, access=WRITE", error.Status.Detail);
        await server.CleanUpsEndedAsync();
        Assert.Empty(await server.FilesOfQueryAsync(queryId));
    }

    private async Task<IReadOnlyList<SpoolSourceHandle>> CommitAsync(SpoolExchange exchange)
    {
        var sink = exchange.AddSink(0);
        await WriteAsync(Client, exchange, sink, 0, Pages.Select(p => (0, p)), finish: true);
        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        return await AllHandlesAsync(exchange);
    }

    private void SetBaseDirectoryOwners(string owner)
    {
        foreach (var name in new[] { "a", "b" })
            server.WebHdfs.Namespace.MakeDirectory($"{server.Hdfs.Root}/{name}", owner, "755");
    }

    private static void AssertPages(List<byte[]> pages)
    {
        Assert.Equal(Pages.Length, pages.Count);
        Assert.Equal(Pages.Select(Convert.ToHexString).Order(), pages.Select(Convert.ToHexString).Order());
    }
}
