using System.Security.Cryptography;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Storage.Azure;

namespace ExchangeSpool.ContractTests.Azure;

/// <summary>The Azure backend on its own against Azurite: what it sends, what it leaves behind, and how it fails.</summary>
[Collection(AzureCollection.Name)]
public sealed class AzureStorageTests : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;

    private AzureTestEndpoint _azure = null!;
    private string _container = null!;
    private AzureStorage _storage = null!;

    public async Task InitializeAsync()
    {
        _azure = await AzureTestEndpoint.SharedAsync();
        _container = (await _azure.CreateContainersAsync(1))[0];
        _storage = new AzureStorage([_azure.BaseDirectory(_container, "base")], _azure.Options());
    }

    public async Task DisposeAsync()
    {
        await _storage.DisposeAsync();
        await _azure.DeleteContainersAsync([_container]);
    }

    [Fact]
    public async Task FileAboveOneBlock_IsStagedBlockByBlockAndCommittedOnce_AndRoundTrips()
    {
        var data = RandomNumberGenerator.GetBytes(9 * MiB + 123);
        var (puts, gets) = await RoundTripAsync(new StoragePath(0, "x/above.data"), data);

        Assert.Equal(3 + 1, puts); // three Put Block, one Put Block List
        Assert.Equal(3, gets); // one ranged Get Blob per 4MB window
    }

    [Fact]
    public async Task FileBelowOneBlock_IsOnePutBlob_AndRoundTrips()
    {
        var data = RandomNumberGenerator.GetBytes(3 * MiB + 7);
        var (puts, gets) = await RoundTripAsync(new StoragePath(0, "x/below.data"), data);

        Assert.Equal(1, puts);
        Assert.Equal(1, gets);
    }

    [Fact]
    public async Task WriterDisposedWithoutCompleting_LeavesNoBlob()
    {
        var writer = await _storage.CreateFileAsync(new StoragePath(0, "aborted/0_0.data"), default);
        var block = RandomNumberGenerator.GetBytes(MiB);
        for (var i = 0; i < 9; i++)
            await writer.WriteAsync(block, default);
        await writer.DisposeAsync();

        Assert.True(_storage.Counters.Total(StorageRequestType.Put) >= 2, "blocks were staged before the abort");
        Assert.Empty(await _azure.ListBlobsAsync(_container, "base/aborted/"));
        Assert.False((await _azure.CreateClient().GetBlobContainerClient(_container).GetBlobClient("base/aborted/0_0.data").ExistsAsync()).Value);
    }

    [Fact]
    public async Task SecondManifestOfTheSameName_ReturnsFalse_AndTheFirstStays()
    {
        var path = new StoragePath(0, "m/commit");
        Assert.Null(await _storage.ReadSmallFileAsync(path, 1024, default));

        Assert.True(await _storage.WriteAtomicAsync(path, "first"u8.ToArray(), default));
        Assert.False(await _storage.WriteAtomicAsync(path, "second"u8.ToArray(), default));

        Assert.Equal("first"u8.ToArray(), await _storage.ReadSmallFileAsync(path, 1024, default));
    }

    [Fact]
    public async Task ManifestsRacingForOneName_ExactlyOneWins_AndItsContentIsKept()
    {
        var path = new StoragePath(0, "race/commit");
        var contents = Enumerable.Range(0, 16).Select(i => RandomNumberGenerator.GetBytes(100 + i)).ToArray();

        var results = await Task.WhenAll(contents.Select(content => Task.Run(async () => await _storage.WriteAtomicAsync(path, content, default))));

        var winner = Assert.Single(Enumerable.Range(0, contents.Length), i => results[i]);
        Assert.Equal(contents[winner], await _storage.ReadSmallFileAsync(path, 1024, default));
    }

    [Fact]
    public async Task OpeningAMissingFile_IsDataLossNamingTheFileContainerAndBlob()
    {
        var error = await Assert.ThrowsAsync<SpoolException>(async () => await _storage.OpenFileAsync(new StoragePath(0, "gone/0_0.data"), default));

        Assert.Equal(SpoolErrorReason.DataLoss, error.Reason);
        Assert.Contains("gone/0_0.data", error.Message);
        Assert.Contains($"container '{_container}'", error.Message);
        Assert.Contains("BlobNotFound", error.Message);
    }

    [Fact]
    public async Task BlobReplacedWhileItIsRead_IsDataLoss()
    {
        var path = new StoragePath(0, "replaced/0_0.data");
        await WriteAsync(path, RandomNumberGenerator.GetBytes(9 * MiB));
        await using var reader = await _storage.OpenFileAsync(path, default);
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
        await using var storage = new AzureStorage([_azure.BaseDirectory("no-such-container", "base")], _azure.Options());

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
        await using var storage = new AzureStorage([_azure.BaseDirectory(_container, "base")], options);

        var error = await Assert.ThrowsAsync<SpoolException>(async () => await storage.ReadSmallFileAsync(new StoragePath(0, "q/commit"), 1024, default));

        Assert.Equal(SpoolErrorReason.StorageAccessDenied, error.Reason);
        Assert.Equal(SpoolErrorCode.PermissionDenied, error.Code);
        Assert.Contains("(HTTP 403)", error.Message);
        Assert.DoesNotContain(wrongKey, error.Message);
    }

    [Fact]
    public void BaseDirectoryOnAnotherAccountThanTheConnectionString_IsRefusedNamingBoth()
    {
        var error = Assert.Throws<ArgumentException>(() => new AzureStorage(["abfss://spool@otheraccount.dfs.core.windows.net/x"], _azure.Options()));

        Assert.Contains(AzureOptions.ConnectionStringKey, error.Message);
        Assert.Contains($"'{_azure.Account}'", error.Message);
        Assert.Contains("'otheraccount'", error.Message);
    }

    [Fact]
    public async Task DeleteDirectory_RemovesEveryBlobUnderThePrefix_OneDeleteEach_AndNothingBeside()
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, 30), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, token) => await _storage.WriteAtomicAsync(new StoragePath(0, $"many/{i % 3}/{i}"), new byte[] { 1 }, token));
        await _storage.WriteAtomicAsync(new StoragePath(0, "manyx/kept"), new byte[] { 1 }, default);
        var deletes = _storage.Counters.Total(StorageRequestType.Delete);

        await _storage.DeleteDirectoryAsync(new StoragePath(0, "many"), default);

        Assert.Equal(30, _storage.Counters.Total(StorageRequestType.Delete) - deletes);
        Assert.Empty(await _azure.ListBlobsAsync(_container, "base/many/"));
        Assert.Equal(["base/manyx/kept"], await _azure.ListBlobsAsync(_container, "base/manyx/"));
    }

    [Fact]
    public async Task List_GivesFilesAndSubdirectoriesDirectlyUnder()
    {
        await _storage.WriteAtomicAsync(new StoragePath(0, "l/a"), new byte[] { 1 }, default);
        await _storage.WriteAtomicAsync(new StoragePath(0, "l/d/b"), new byte[] { 1 }, default);

        var entries = new List<StorageEntry>();
        await foreach (var entry in _storage.ListAsync(new StoragePath(0, "l"), default))
            entries.Add(entry);

        Assert.Equal([("a", false), ("d", true)], entries.Select(e => (e.Name, e.IsDirectory)).Order());
        Assert.True(entries.Single(e => e.Name == "a").LastModified > DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    private async Task WriteAsync(StoragePath path, byte[] data)
    {
        await using var writer = await _storage.CreateFileAsync(path, default);
        for (var offset = 0; offset < data.Length; offset += MiB)
            await writer.WriteAsync(data.AsMemory(offset, Math.Min(MiB, data.Length - offset)), default);
        await writer.CompleteAsync(default);
    }

    /// <summary>Writes in 1MB blocks, reads back as the spool file reader does (small header reads, then payloads); returns the PUTs and GETs it took.</summary>
    private async Task<(long Puts, long Gets)> RoundTripAsync(StoragePath path, byte[] data)
    {
        var puts = _storage.Counters.Total(StorageRequestType.Put);
        await WriteAsync(path, data);
        puts = _storage.Counters.Total(StorageRequestType.Put) - puts;

        var gets = _storage.Counters.Total(StorageRequestType.Get);
        var read = new byte[data.Length];
        await using (var reader = await _storage.OpenFileAsync(path, default))
        {
            Assert.Equal(data.Length, reader.Length);
            long position = 0;
            while (position < data.Length)
            {
                var header = (int)Math.Min(20, data.Length - position);
                Assert.Equal(header, await reader.ReadAsync(position, read.AsMemory((int)position, header), default));
                position += header;
                var payload = (int)Math.Min(MiB - 20, data.Length - position);
                Assert.Equal(payload, await reader.ReadAsync(position, read.AsMemory((int)position, payload), default));
                position += payload;
            }
            Assert.Equal(0, await reader.ReadAsync(data.Length, new byte[10], default));
        }
        Assert.Equal(data, read);
        return (puts, _storage.Counters.Total(StorageRequestType.Get) - gets);
    }
}
