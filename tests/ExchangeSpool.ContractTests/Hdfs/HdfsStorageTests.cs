using System.Security.Cryptography;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Storage.Hdfs;

namespace ExchangeSpool.ContractTests.Hdfs;

/// <summary>
/// The HDFS backend on its own against the test WebHDFS server (an HA pair whose first namenode is
/// standby, and a datanode): what it sends, how it fails over and retries, and how it fails.
/// </summary>
public sealed class HdfsStorageTests : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;
    private const string User = "spool";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "spool-hdfs-" + Guid.NewGuid().ToString("N"));
    private WebHdfsTestServer _server = null!;
    private HdfsStorage _storage = null!;
    private HdfsOptions _options = null!;

    public async Task InitializeAsync()
    {
        _server = await WebHdfsTestServer.StartAsync();
        _options = new HdfsOptions
        {
            ConfigResources = _server.WriteHadoopXml(_root),
            User = User,
            MaxErrorRetries = 3,
            RequestTimeout = TimeSpan.FromSeconds(10),
            MaxRetryTime = TimeSpan.FromSeconds(10),
        };
        _storage = NewStorage();
    }

    public async Task DisposeAsync()
    {
        await _storage.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
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
        Assert.True(await _storage.WriteAtomicAsync(path, "first"u8.ToArray(), default));
        var standbyRequests = _server.RequestCount("nn0", "GETFILESTATUS") + _server.RequestCount("nn0", "OPEN");

        Assert.NotNull(await _storage.ReadSmallFileAsync(path, 100, default));
        await using var reader = await _storage.OpenFileAsync(path, default);

        Assert.Equal(1, _storage.Counters.Failovers);
        Assert.Equal(1, _server.RequestCount("nn0", "CREATE"));
        Assert.Equal(standbyRequests, _server.RequestCount("nn0", "GETFILESTATUS") + _server.RequestCount("nn0", "OPEN"));
    }

    [Fact]
    public async Task FailoverMidWrite_EveryByteLandsOnce()
    {
        var data = RandomNumberGenerator.GetBytes(17 * MiB);
        await _storage.WriteAtomicAsync(new StoragePath(0, "warm/up"), new byte[] { 1 }, default);
        _server.FailOverAfter("APPEND", 2);

        await RoundTripAsync(new StoragePath(0, "fo/write.data"), data);

        Assert.Equal(2, _storage.Counters.Failovers);
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
        Assert.Equal(2, _storage.Counters.Failovers);
    }

    [Fact]
    public async Task ActiveNamenodeUnreachable_TheOtherOneTakesOver()
    {
        await _storage.WriteAtomicAsync(new StoragePath(0, "warm/up"), new byte[] { 1 }, default);
        _server.FailOver();
        await _server.StopNamenodeAsync(1);

        await RoundTripAsync(new StoragePath(0, "down/x.data"), RandomNumberGenerator.GetBytes(5 * MiB));

        Assert.Equal(2, _storage.Counters.Failovers);
    }

    [Fact]
    public async Task AppendWhoseAnswerWasLost_IsNotSentTwice()
    {
        var data = RandomNumberGenerator.GetBytes(9 * MiB);
        _server.Inject(new WebHdfsFault("APPEND", WebHdfsFaultKind.LoseAnswer, AtDatanode: true, Times: 1));

        await RoundTripAsync(new StoragePath(0, "lost/answer.data"), data);

        Assert.Equal(2, _server.RequestCount("dn", "APPEND"));
        Assert.Equal(1, _storage.Counters.Retries - _storage.Counters.Failovers);
    }

    [Fact]
    public async Task ServerErrorsAndDroppedConnections_AreRetried()
    {
        _server.Inject(new WebHdfsFault("CREATE", WebHdfsFaultKind.ServerError, AtDatanode: false, Times: 1));
        _server.Inject(new WebHdfsFault("APPEND", WebHdfsFaultKind.DropConnection, AtDatanode: true, Times: 1));
        _server.Inject(new WebHdfsFault("OPEN", WebHdfsFaultKind.DropMidBody, AtDatanode: true, Times: 1));

        await RoundTripAsync(new StoragePath(0, "flaky/x.data"), RandomNumberGenerator.GetBytes(9 * MiB));

        Assert.Equal(3, _storage.Counters.Retries - _storage.Counters.Failovers);
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
    public async Task Manifest_IsWrittenOnce_LeavingNoTemporaryFile_AndAMissingOneReadsAsNull()
    {
        var path = new StoragePath(0, "m/commit");
        Assert.Null(await _storage.ReadSmallFileAsync(path, 1024, default));
        Assert.True(await _storage.WriteAtomicAsync(path, "first"u8.ToArray(), default));

        Assert.False(await _storage.WriteAtomicAsync(path, "second"u8.ToArray(), default));

        Assert.Equal("first"u8.ToArray(), await _storage.ReadSmallFileAsync(path, 1024, default));
        Assert.Equal(["/spool/m/commit"], _server.Namespace.FilesUnder("/spool/m"));
    }

    [Fact]
    public async Task SmallFileLargerThanAllowed_IsDataLoss()
    {
        var path = new StoragePath(0, "m/big");
        await _storage.WriteAtomicAsync(path, new byte[100], default);

        var error = await Assert.ThrowsAsync<SpoolException>(async () => await _storage.ReadSmallFileAsync(path, 99, default));

        Assert.Equal(SpoolErrorCode.DataLoss, error.Code);
        Assert.Contains("m/big", error.Message);
    }

    [Fact]
    public async Task List_GivesTheFilesAndDirectoriesDirectlyUnderADirectory()
    {
        var before = DateTimeOffset.UtcNow.AddMinutes(-5);
        await _storage.WriteAtomicAsync(new StoragePath(0, "listed/file"), new byte[] { 1 }, default);
        await _storage.WriteAtomicAsync(new StoragePath(0, "listed/3/commit"), new byte[] { 1 }, default);
        await _storage.WriteAtomicAsync(new StoragePath(0, "listed-not/file"), new byte[] { 1 }, default);

        var entries = await _storage.ListAsync(new StoragePath(0, "listed"), default).ToListAsync();

        Assert.Equal([("3", true), ("file", false)], entries.Select(e => (e.Name, e.IsDirectory)).Order());
        Assert.True(entries.Single(e => !e.IsDirectory).LastModified > before);
        Assert.Empty(await _storage.ListAsync(new StoragePath(0, "missing"), default).ToListAsync());
    }

    [Fact]
    public async Task DeleteDirectory_RemovesEverythingUnderIt_AndNothingBeside()
    {
        await WriteAsync(new StoragePath(0, "a/b/1/0_0.data"), [1]);
        await WriteAsync(new StoragePath(0, "a/bc/0_0.data"), [1]);

        await _storage.DeleteDirectoryAsync(new StoragePath(0, "a/b"), default);
        await _storage.DeleteDirectoryAsync(new StoragePath(0, "a/missing"), default);

        Assert.Equal(["/spool/a/bc/0_0.data"], _server.Namespace.FilesUnder("/spool/a"));
    }

    [Fact]
    public async Task DeleteFile_RemovesOneFile_AndAMissingOneIsFine()
    {
        var path = new StoragePath(0, "deleted/file");
        await _storage.WriteAtomicAsync(path, new byte[] { 1 }, default);

        await _storage.DeleteFileAsync(path, default);
        await _storage.DeleteFileAsync(path, default);

        Assert.Null(await _storage.ReadSmallFileAsync(path, 1024, default));
    }

    [Fact]
    public async Task OpeningAMissingFile_IsDataLossNamingTheFile()
    {
        var error = await Assert.ThrowsAsync<SpoolException>(async () => await _storage.OpenFileAsync(new StoragePath(0, "gone/0_0.data"), default));

        Assert.Equal(SpoolErrorCode.DataLoss, error.Code);
        Assert.Contains("gone/0_0.data", error.Message);
    }

    [Fact]
    public async Task WriterDisposedWithoutCompleting_LeavesNoFile()
    {
        var writer = await _storage.CreateFileAsync(new StoragePath(0, "aborted/0_0.data"), default);
        var block = RandomNumberGenerator.GetBytes(MiB);
        for (var i = 0; i < 9; i++)
            await writer.WriteAsync(block, default);

        await writer.DisposeAsync();

        Assert.Empty(_server.Namespace.FilesUnder("/spool/aborted"));
    }

    [Fact]
    public async Task AppendBuffers_AreChargedToTheBudget_AndGivenBack()
    {
        var budget = new MemoryBudget(64 * MiB);
        await using var storage = NewStorage(budget);
        await using var writer = await storage.CreateFileAsync(new StoragePath(0, "budget/0_0.data"), default);

        await writer.WriteAsync(RandomNumberGenerator.GetBytes(3 * MiB), default);
        Assert.Equal(3 * MiB, budget.Used);

        await writer.CompleteAsync(default);
        Assert.Equal(0, budget.Used);
    }

    [Fact]
    public async Task WriterWithoutRoomInTheBudget_SendsAtOnce_InsteadOfWaiting()
    {
        var budget = new MemoryBudget(64 * MiB);
        Assert.True(budget.TryReserve(64 * MiB, MemoryUse.SinkBuffers));
        await using var storage = NewStorage(budget);
        var data = RandomNumberGenerator.GetBytes(3 * MiB);

        await using (var writer = await storage.CreateFileAsync(new StoragePath(0, "nobudget/0_0.data"), default))
        {
            for (var offset = 0; offset < data.Length; offset += MiB)
                await writer.WriteAsync(data.AsMemory(offset, MiB), default);
            Assert.Equal(1, _server.RequestCount("dn", "CREATE"));
            Assert.Equal(2, _server.RequestCount("dn", "APPEND"));
            await writer.CompleteAsync(default);
        }

        Assert.Equal(64 * MiB, budget.Used);
        Assert.Equal(data, await ReadAsync(new StoragePath(0, "nobudget/0_0.data"), data.Length));
    }

    private HdfsStorage NewStorage(MemoryBudget? budget = null) =>
        new([$"hdfs://{WebHdfsTestServer.Nameservice}/spool"], _options, budget);

    /// <summary>Writes in 1MB blocks, reads back as the spool file reader does (small header reads, then payloads).</summary>
    private async Task RoundTripAsync(StoragePath path, byte[] data)
    {
        await WriteAsync(path, data);
        Assert.Equal(data, await ReadAsync(path, data.Length));
    }

    private async Task WriteAsync(StoragePath path, byte[] data)
    {
        await using var writer = await _storage.CreateFileAsync(path, default);
        for (var offset = 0; offset < data.Length; offset += MiB)
            await writer.WriteAsync(data.AsMemory(offset, Math.Min(MiB, data.Length - offset)), default);
        await writer.CompleteAsync(default);
    }

    private async Task<byte[]> ReadAsync(StoragePath path, int length)
    {
        var read = new byte[length];
        await using var reader = await _storage.OpenFileAsync(path, default);
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
