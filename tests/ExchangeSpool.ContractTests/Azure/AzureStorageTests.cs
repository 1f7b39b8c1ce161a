using System.Security.Cryptography;
using ExchangeSpool.ContractTests.Storage;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Storage.Azure;

namespace ExchangeSpool.ContractTests.Azure;

/// <summary>
/// The storage contract on Azure Blob Storage (Azurite; one container, a base directory under each
/// of two paths, the second written as <c>abfss://</c>), plus what only Azure has: the requests it
/// sends, and how it names its failures.
/// </summary>
[Collection(AzureCollection.Name)]
public sealed class AzureStorageTests : StorageContractTests
{
    private AzureTestEndpoint _azure = null!;
    private string _container = null!;

    protected override IStorageBackend Backend { get; } = new AzureStorageBackend();

    protected override IEnumerable<string> Settings => [.. _azure.ServerSettings(), "exchange.azure.block-size=4MB"];

    private AzureStorage AzureStorage => (AzureStorage)Storage;

    protected override async Task<IReadOnlyList<string>> CreateBaseDirectoriesAsync()
    {
        _azure = await AzureTestEndpoint.SharedAsync();
        _container = (await _azure.CreateContainersAsync(1))[0];
        return [_azure.BaseDirectory(_container, "base"), _azure.BaseDirectory(_container, "other").Replace("abfs://", "abfss://")];
    }

    protected override Task DeleteBaseDirectoriesAsync() => _azure.DeleteContainersAsync([_container]);

    [Fact]
    public async Task FileAboveOneBlock_IsStagedBlockByBlockAndCommittedOnce_AndReadAWindowARequest()
    {
        var data = RandomNumberGenerator.GetBytes(9 * MiB + 123);
        var path = new StoragePath(0, "x/above.data");
        var (puts, gets) = (Total(StorageRequestType.Put), Total(StorageRequestType.Get));

        await WriteAsync(path, data, blockSize: MiB);
        puts = Total(StorageRequestType.Put) - puts;
        Assert.Equal(data, await ReadAllAsync(path));

        Assert.Equal(3 + 1, puts); // three Put Block, one Put Block List
        Assert.Equal(3, Total(StorageRequestType.Get) - gets); // one ranged Get Blob per 4MB window
    }

    [Fact]
    public async Task FileBelowOneBlock_IsOnePutBlob_AndOneGet()
    {
        var data = RandomNumberGenerator.GetBytes(3 * MiB + 7);
        var path = new StoragePath(0, "x/below.data");
        var (puts, gets) = (Total(StorageRequestType.Put), Total(StorageRequestType.Get));

        await WriteAsync(path, data, blockSize: MiB);
        puts = Total(StorageRequestType.Put) - puts;
        Assert.Equal(data, await ReadAllAsync(path));

        Assert.Equal(1, puts);
        Assert.Equal(1, Total(StorageRequestType.Get) - gets);
    }

    [Fact]
    public async Task ReadWindows_AreChargedToTheBudgetAsReadAhead_WhileTheReaderHoldsThem()
    {
        var path = new StoragePath(0, "charged/0_0.data");
        await WriteAsync(path, RandomNumberGenerator.GetBytes(9 * MiB), blockSize: MiB);

        await using (var reader = await Storage.OpenFileAsync(path, default))
            Assert.Equal(8 * MiB, Budget.ReadAheadUsed); // the first window and the one being prefetched after it

        Assert.Equal(0, Budget.Used);
    }

    [Fact]
    public async Task WithoutRoomForAWindow_ReadsGoStraightIntoTheCallersBuffer_ARequestARead()
    {
        var data = RandomNumberGenerator.GetBytes(5 * MiB);
        var path = new StoragePath(0, "tight/0_0.data");
        await WriteAsync(path, data, blockSize: MiB);
        var tight = new MemoryBudget(64 * MiB, readAheadLimit: MiB);
        await using var storage = new AzureStorage([_azure.BaseDirectory(_container, "base")], _azure.Options(), tight);
        var gets = storage.Counters.Total(StorageRequestType.Get);

        var read = new byte[data.Length];
        await using (var reader = await storage.OpenFileAsync(path, default))
        {
            for (var offset = 0; offset < data.Length; offset += MiB)
                Assert.Equal(MiB, await reader.ReadAsync(offset, read.AsMemory(offset, MiB), default));
        }

        Assert.Equal(data, read);
        Assert.Equal(1 + 5, storage.Counters.Total(StorageRequestType.Get) - gets); // the open's one byte, then one request a read
        Assert.Equal(0, tight.Used);
    }

    [Fact]
    public async Task OpeningAMissingFile_NamesTheContainerAndAzuresErrorCode()
    {
        var error = await Assert.ThrowsAsync<SpoolException>(async () => await Storage.OpenFileAsync(new StoragePath(0, "gone/0_0.data"), default));

        Assert.Equal(SpoolErrorReason.DataLoss, error.Reason);
        Assert.Contains($"blob 'base/gone/0_0.data' in container '{_container}'", error.Message);
        Assert.Contains("BlobNotFound", error.Message);
    }

    [Fact]
    public async Task BlobReplacedWhileItIsRead_IsDataLoss()
    {
        var path = new StoragePath(0, "replaced/0_0.data");
        await WriteAsync(path, RandomNumberGenerator.GetBytes(9 * MiB), blockSize: MiB);
        await using var reader = await Storage.OpenFileAsync(path, default);
        await _azure.CreateClient().GetBlobContainerClient(_container).GetBlobClient("base/replaced/0_0.data")
            .UploadAsync(new BinaryData(RandomNumberGenerator.GetBytes(9 * MiB)), overwrite: true);

        var error = await Assert.ThrowsAsync<SpoolException>(async () => await reader.ReadAsync(8 * MiB, new byte[MiB], default));

        Assert.Equal(SpoolErrorReason.DataLoss, error.Reason);
        Assert.Contains("replaced while it was read", error.Message);
        Assert.Contains("ConditionNotMet", error.Message);
    }

    [Fact]
    public async Task MissingContainer_FailsNamingTheOperationContainerBlobAndAzureErrorCode()
    {
        await using var storage = new AzureStorage([_azure.BaseDirectory("no-such-container", "base")], _azure.Options(), Budget);

        var error = await Assert.ThrowsAsync<SpoolException>(async () => await storage.WriteAtomicAsync(new StoragePath(0, "q/commit"), new byte[] { 1 }, default));

        Assert.Equal(SpoolErrorReason.StorageUnavailable, error.Reason);
        Assert.Contains("Azure PutBlob of blob 'base/q/commit' in container 'no-such-container'", error.Message);
        Assert.Contains("ContainerNotFound (HTTP 404)", error.Message);
    }

    [Fact]
    public async Task WrongAccountKey_IsAccessDeniedNamingTheAzureErrorCode()
    {
        var wrongKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        var options = new AzureOptions { ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={_azure.Account};AccountKey={wrongKey};BlobEndpoint={_azure.BlobEndpoint};" };
        await using var storage = new AzureStorage([_azure.BaseDirectory(_container, "base")], options, Budget);

        var error = await Assert.ThrowsAsync<SpoolException>(async () => await storage.ReadSmallFileAsync(new StoragePath(0, "q/commit"), 1024, default));

        Assert.Equal(SpoolErrorReason.StorageAccessDenied, error.Reason);
        Assert.Equal(SpoolErrorCode.PermissionDenied, error.Code);
        Assert.Contains("(HTTP 403)", error.Message);
        Assert.DoesNotContain(wrongKey, error.Message);
    }

    [Fact]
    public async Task NothingListeningAtTheEndpoint_FailsAsUnavailable_AfterTheConfiguredRetries_NamingContainerAndBlob()
    {
        var closed = new Uri($"http://127.0.0.1:{S3.RadosGateway.FreePort()}/");
        var options = _azure.Options(through: closed) with { MaxErrorRetries = 2 };
        await using var storage = new AzureStorage([_azure.BaseDirectory(_container, "base")], options, Budget);

        var error = await Assert.ThrowsAsync<SpoolException>(async () => await storage.OpenFileAsync(new StoragePath(0, "q/0_0.data"), default));

        Assert.Equal(SpoolErrorReason.StorageUnavailable, error.Reason);
        Assert.Contains($"Azure GetBlob of blob 'base/q/0_0.data' in container '{_container}'", error.Message);
        Assert.Contains("failed after 3 attempts", error.Message);
        Assert.Contains("Connection refused", error.Message);
    }

    [Fact]
    public void BaseDirectoryOnAnotherAccountThanTheConnectionString_IsRefusedNamingBoth()
    {
        var error = Assert.Throws<ArgumentException>(() => new AzureStorage(["abfss://spool@otheraccount.dfs.core.windows.net/x"], _azure.Options(), Budget));

        Assert.Contains(AzureOptions.ConnectionStringKey, error.Message);
        Assert.Contains($"'{_azure.Account}'", error.Message);
        Assert.Contains("'otheraccount'", error.Message);
    }

    [Fact]
    public async Task DeleteDirectory_SendsOneDeletePerBlob()
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, 30), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, token) => await Storage.WriteAtomicAsync(new StoragePath(0, $"many/{i % 3}/{i}"), new byte[] { 1 }, token));
        var deletes = Total(StorageRequestType.Delete);

        await Storage.DeleteDirectoryAsync(new StoragePath(0, "many"), default);

        Assert.Equal(30, Total(StorageRequestType.Delete) - deletes);
        Assert.Empty(await _azure.ListBlobsAsync(_container, "base/many/"));
    }

    private long Total(StorageRequestType type) => AzureStorage.Counters.Total(type);
}
