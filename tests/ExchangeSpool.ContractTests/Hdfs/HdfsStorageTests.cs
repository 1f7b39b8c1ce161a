using System.Security.Cryptography;
using ExchangeSpool.ContractTests.Storage;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Storage.Hdfs;

namespace ExchangeSpool.ContractTests.Hdfs;

/// <summary>
/// The storage contract on HDFS, against the tests' WebHDFS server (an HA pair whose first namenode
/// is standby, and a datanode): one base directory on the nameservice of the generated Hadoop XML,
/// the other as <c>webhdfs://</c> straight to the active namenode. Plus what only HDFS has: the
/// requests it sends, how it fails over and retries, and how it fails.
/// </summary>
public sealed class HdfsStorageTests : StorageContractTests
{
    private const string User = "spool";

    private readonly string _xmlDirectory = Path.Combine(Path.GetTempPath(), "spool-hdfs-" + Guid.NewGuid().ToString("N"));
    private WebHdfsTestServer _server = null!;
    private IReadOnlyList<string> _configResources = [];

    protected override IStorageBackend Backend { get; } = new HdfsStorageBackend();

    protected override IEnumerable<string> Settings =>
    [
        $"hdfs.config.resources={string.Join(',', _configResources)}",
        $"exchange.hdfs.user={User}",
        "exchange.spool.hdfs.max-error-retries=3",
        "exchange.spool.hdfs.request-timeout=10s",
        "exchange.spool.hdfs.max-retry-time=10s",
    ];

    private HdfsStorage HdfsStorage => (HdfsStorage)Storage;

    protected override async Task<IReadOnlyList<string>> CreateBaseDirectoriesAsync()
    {
        _server = await WebHdfsTestServer.StartAsync();
        _configResources = _server.WriteHadoopXml(_xmlDirectory);
        return [$"hdfs://{WebHdfsTestServer.Nameservice}/spool", $"webhdfs://{_server.NamenodeUris[1].Authority}/other"];
    }

    protected override async Task DeleteBaseDirectoriesAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_xmlDirectory, recursive: true);
    }

    [Fact]
    public async Task FileAboveOneBlock_IsACreateAndTwoAppends_ReadInThreeWindows()
    {
        var data = RandomNumberGenerator.GetBytes(10 * MiB + 123);

        await RoundTripAsync(new StoragePath(0, "x/above.data"), data);

        Assert.Equal(1, _server.RequestCount("dn", "CREATE"));
        Assert.Equal(2, _server.RequestCount("dn", "APPEND"));
        Assert.Equal(3, _server.RequestCount("dn", "OPEN"));
    }

    [Fact]
    public async Task FileBelowOneBlock_IsOneCreate_AndRoundTrips()
    {
        var data = RandomNumberGenerator.GetBytes(3 * MiB + 7);

        await RoundTripAsync(new StoragePath(0, "x/below.data"), data);

        Assert.Equal(1, _server.RequestCount("dn", "CREATE"));
        Assert.Equal(0, _server.RequestCount("dn", "APPEND"));
        Assert.Equal(1, _server.RequestCount("dn", "OPEN"));
    }

    [Fact]
    public async Task DataGoesToTheDatanode_ThroughTheNamenodesRedirect()
    {
        await RoundTripAsync(new StoragePath(0, "x/redirected.data"), RandomNumberGenerator.GetBytes(5 * MiB));

        Assert.Equal(_server.RequestCount("dn", "CREATE"), _server.RequestCount("nn1", "CREATE"));
        Assert.Equal(_server.RequestCount("dn", "APPEND"), _server.RequestCount("nn1", "APPEND"));
        Assert.Equal(_server.RequestCount("dn", "OPEN"), _server.RequestCount("nn1", "OPEN"));
    }

    [Fact]
    public async Task EmptyFile_IsCreated_AndReadsAsEmpty()
    {
        await RoundTripAsync(new StoragePath(0, "x/empty.data"), []);
    }

    [Fact]
    public async Task StandbyNamenode_IsLeftOnce_AndTheActiveOneRemembered()
    {
        var path = new StoragePath(0, "m/commit");
        Assert.True(await Storage.WriteAtomicAsync(path, "first"u8.ToArray(), default));
        var standbyRequests = _server.RequestCount("nn0", "GETFILESTATUS") + _server.RequestCount("nn0", "OPEN");

        Assert.NotNull(await Storage.ReadSmallFileAsync(path, 100, default));
        await using var reader = await Storage.OpenFileAsync(path, default);

        Assert.Equal(1, HdfsStorage.Counters.Failovers);
        Assert.Equal(1, _server.RequestCount("nn0", "CREATE"));
        Assert.Equal(standbyRequests, _server.RequestCount("nn0", "GETFILESTATUS") + _server.RequestCount("nn0", "OPEN"));
    }

    [Fact]
    public async Task FailoverMidWrite_EveryByteLandsOnce()
    {
        var data = RandomNumberGenerator.GetBytes(17 * MiB);
        await Storage.WriteAtomicAsync(new StoragePath(0, "warm/up"), new byte[] { 1 }, default);
        _server.FailOverAfter("APPEND", 2);

        await RoundTripAsync(new StoragePath(0, "fo/write.data"), data);

        Assert.Equal(2, HdfsStorage.Counters.Failovers);
        Assert.Equal(0, _server.Active);
    }

    [Fact]
    public async Task FailoverMidRead_EveryByteArrivesIntact()
    {
        var path = new StoragePath(0, "fo/read.data");
        var data = RandomNumberGenerator.GetBytes(13 * MiB);
        await WriteAsync(path, data);
        _server.FailOverAfter("OPEN", 1);

        Assert.Equal(data, await ReadAsync(path, data.Length));
        Assert.Equal(2, HdfsStorage.Counters.Failovers);
    }

    [Fact]
    public async Task ActiveNamenodeUnreachable_TheOtherOneTakesOver()
    {
        await Storage.WriteAtomicAsync(new StoragePath(0, "warm/up"), new byte[] { 1 }, default);
        _server.FailOver();
        await _server.StopNamenodeAsync(1);

        await RoundTripAsync(new StoragePath(0, "down/x.data"), RandomNumberGenerator.GetBytes(5 * MiB));

        Assert.Equal(2, HdfsStorage.Counters.Failovers);
    }

    [Fact]
    public async Task AppendWhoseAnswerWasLost_IsNotSentTwice()
    {
        var data = RandomNumberGenerator.GetBytes(9 * MiB);
        _server.Inject(new WebHdfsFault("APPEND", WebHdfsFaultKind.LoseAnswer, AtDatanode: true, Times: 1));

        await RoundTripAsync(new StoragePath(0, "lost/answer.data"), data);

        Assert.Equal(2, _server.RequestCount("dn", "APPEND"));
        Assert.Equal(1, HdfsStorage.Counters.Retries - HdfsStorage.Counters.Failovers);
    }

    [Fact]
    public async Task ServerErrorsAndDroppedConnections_AreRetried()
    {
        _server.Inject(new WebHdfsFault("CREATE", WebHdfsFaultKind.ServerError, AtDatanode: false, Times: 1));
        _server.Inject(new WebHdfsFault("APPEND", WebHdfsFaultKind.DropConnection, AtDatanode: true, Times: 1));
        _server.Inject(new WebHdfsFault("OPEN", WebHdfsFaultKind.DropMidBody, AtDatanode: true, Times: 1));

        await RoundTripAsync(new StoragePath(0, "flaky/x.data"), RandomNumberGenerator.GetBytes(9 * MiB));

        Assert.Equal(3, HdfsStorage.Counters.Retries - HdfsStorage.Counters.Failovers);
    }

    [Fact]
    public async Task LastingServerErrors_FailAfterTheRetries_NamingOperationPathAndHadoopClass()
    {
        _server.Inject(new WebHdfsFault("CREATE", WebHdfsFaultKind.ServerError, AtDatanode: true));

        var error = await Assert.ThrowsAsync<SpoolException>(() => WriteAsync(new StoragePath(0, "down/0_0.data"), [1, 2, 3]));

        Assert.Equal(SpoolErrorReason.StorageUnavailable, error.Reason);
        Assert.Equal($"HDFS CREATE hdfs://{WebHdfsTestServer.Nameservice}/spool/down/0_0.data failed after 4 attempts: RuntimeException (HTTP 500): injected server error", error.Message);
    }

    [Fact]
    public async Task PermissionDenied_FailsAtOnce_NamingAccessControlException()
    {
        _server.Namespace.MakeDirectory("/spool/locked", owner: "hdfs", permission: "755");

        var error = await Assert.ThrowsAsync<SpoolException>(() => WriteAsync(new StoragePath(0, "locked/0_0.data"), [1]));

        Assert.Equal(SpoolErrorReason.StorageUnavailable, error.Reason);
        Assert.StartsWith($"HDFS CREATE hdfs://{WebHdfsTestServer.Nameservice}/spool/locked/0_0.data failed", error.Message);
        Assert.EndsWith("AccessControlException (HTTP 403): Permission denied: user=spool, access=WRITE, inode=\"/spool/locked\":hdfs:supergroup:drwxr-xr-x", error.Message);
        Assert.Equal(1, _server.RequestCount("dn", "CREATE"));
    }

    [Fact]
    public async Task QuotaExceeded_IsStorageFull()
    {
        _server.Inject(new WebHdfsFault("APPEND", WebHdfsFaultKind.QuotaExceeded, AtDatanode: true));

        var error = await Assert.ThrowsAsync<SpoolException>(() => WriteAsync(new StoragePath(0, "full/0_0.data"), RandomNumberGenerator.GetBytes(5 * MiB)));

        Assert.Equal(SpoolErrorReason.StorageFull, error.Reason);
        Assert.Contains("DSQuotaExceededException (HTTP 403)", error.Message);
    }

    [Fact]
    public async Task ThroughAnHttpFsGateway_FilesAndManifestsRoundTrip()
    {
        await using var gateway = new HdfsStorage([$"webhdfs://{_server.HttpFsUri.Authority}/gateway"], new HdfsOptions { User = User }, new MemoryBudget(long.MaxValue));
        var data = RandomNumberGenerator.GetBytes(9 * MiB + 1);
        var path = new StoragePath(0, "x/0_0.data");
        await using (var writer = await gateway.CreateFileAsync(path, default))
        {
            await writer.WriteAsync(data, default);
            await writer.CompleteAsync(default);
        }

        Assert.True(await gateway.WriteAtomicAsync(new StoragePath(0, "x/commit"), "m"u8.ToArray(), default));
        await using var reader = await gateway.OpenFileAsync(path, default);
        var read = new byte[data.Length];
        Assert.Equal(data.Length, await reader.ReadAsync(0, read, default));

        Assert.Equal(data, read);
        Assert.Equal(["/gateway/x/0_0.data", "/gateway/x/commit"], _server.Namespace.FilesUnder("/gateway").Order());
        Assert.Equal(2 * 2, _server.RequestCount("httpfs", "APPEND")); // two appends, each redirected to the gateway itself
        Assert.Equal(0, _server.RequestCount("dn", "CREATE") + _server.RequestCount("dn", "APPEND") + _server.RequestCount("dn", "OPEN"));
    }

    [Fact]
    public async Task RefusedManifest_LeavesNoTemporaryFile()
    {
        var path = new StoragePath(0, "m/commit");
        Assert.True(await Storage.WriteAtomicAsync(path, "first"u8.ToArray(), default));

        Assert.False(await Storage.WriteAtomicAsync(path, "second"u8.ToArray(), default));

        Assert.Equal(["/spool/m/commit"], _server.Namespace.FilesUnder("/spool/m"));
    }

    [Fact]
    public async Task AppendBuffers_AreChargedToTheBudget_AndGivenBack()
    {
        await using var writer = await Storage.CreateFileAsync(new StoragePath(0, "budget/0_0.data"), default);

        await writer.WriteAsync(RandomNumberGenerator.GetBytes(3 * MiB), default);
        Assert.Equal(3 * MiB, Budget.Used);

        await writer.CompleteAsync(default);
        Assert.Equal(0, Budget.Used);
    }

    [Fact]
    public async Task WriterWithoutRoomInTheBudget_SendsAtOnce_InsteadOfWaiting()
    {
        Assert.True(Budget.TryReserve(Budget.Limit, MemoryUse.SinkBuffers));
        var data = RandomNumberGenerator.GetBytes(3 * MiB);

        await using (var writer = await Storage.CreateFileAsync(new StoragePath(0, "nobudget/0_0.data"), default))
        {
            for (var offset = 0; offset < data.Length; offset += MiB)
                await writer.WriteAsync(data.AsMemory(offset, MiB), default);
            Assert.Equal(1, _server.RequestCount("dn", "CREATE"));
            Assert.Equal(2, _server.RequestCount("dn", "APPEND"));
            await writer.CompleteAsync(default);
        }

        Assert.Equal(Budget.Limit, Budget.Used);
        Budget.Release(Budget.Limit, MemoryUse.SinkBuffers);
        Assert.Equal(data, await ReadAsync(new StoragePath(0, "nobudget/0_0.data"), data.Length));
    }

    /// <summary>Writes in 1MB blocks, reads back as the spool file reader does (small header reads, then payloads).</summary>
    private async Task RoundTripAsync(StoragePath path, byte[] data)
    {
        await WriteAsync(path, data);
        Assert.Equal(data, await ReadAsync(path, data.Length));
    }

    private async Task WriteAsync(StoragePath path, byte[] data)
    {
        await using var writer = await Storage.CreateFileAsync(path, default);
        for (var offset = 0; offset < data.Length; offset += MiB)
            await writer.WriteAsync(data.AsMemory(offset, Math.Min(MiB, data.Length - offset)), default);
        await writer.CompleteAsync(default);
    }

    private async Task<byte[]> ReadAsync(StoragePath path, int length)
    {
        var read = new byte[length];
        await using var reader = await Storage.OpenFileAsync(path, default);
        Assert.Equal(length, reader.Length);
        long position = 0;
        while (position < length)
        {
            var header = (int)Math.Min(20, length - position);
            Assert.Equal(header, await reader.ReadAsync(position, read.AsMemory((int)position, header), default));
            position += header;
            var payload = (int)Math.Min(MiB - 20, length - position);
            Assert.Equal(payload, await reader.ReadAsync(position, read.AsMemory((int)position, payload), default));
            position += payload;
        }
        Assert.Equal(0, await reader.ReadAsync(length, new byte[10], default));
        return read;
    }
}
