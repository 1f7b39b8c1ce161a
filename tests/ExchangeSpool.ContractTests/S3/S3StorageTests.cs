using System.Security.Cryptography;
using Amazon.S3.Model;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Storage.S3;

namespace ExchangeSpool.ContractTests.S3;

/// <summary>The S3 backend on its own against the real S3 server: what it sends, and what it leaves behind.</summary>
[Collection(S3Collection.Name)]
public sealed class S3StorageTests : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;

    private S3TestEndpoint _s3 = null!;
    private string _bucket = null!;
    private S3Storage _storage = null!;

    public async Task InitializeAsync()
    {
        _s3 = await S3TestEndpoint.SharedAsync();
        _bucket = (await _s3.CreateBucketsAsync(1))[0];
        _storage = new S3Storage([$"s3://{_bucket}/base"], _s3.Options() with { PartSize = 5 * MiB }, new MemoryBudget(256 * MiB));
    }

    public async Task DisposeAsync()
    {
        _storage.Dispose();
        await _s3.DeleteBucketsAsync([_bucket]);
    }

    [Fact]
    public async Task FileAboveOnePart_IsAMultipartUpload_AndRoundTrips()
    {
        var data = RandomNumberGenerator.GetBytes(12 * MiB + 123);
        var (puts, gets) = await RoundTripAsync(new StoragePath(0, "x/above.data"), data);

        Assert.Equal(1 + 3 + 1, puts); // create, three parts, complete
        Assert.Equal(3, gets); // one ranged GET per 5MB window
    }

    [Fact]
    public async Task FileBelowOnePart_IsOnePut_AndRoundTrips()
    {
        var data = RandomNumberGenerator.GetBytes(3 * MiB + 7);
        var (puts, gets) = await RoundTripAsync(new StoragePath(0, "x/below.data"), data);

        Assert.Equal(1, puts);
        Assert.Equal(1, gets);
    }

    [Fact]
    public async Task AbortedMultipartUpload_LeavesNoUploadAndNoObject()
    {
        var writer = await _storage.CreateFileAsync(new StoragePath(0, "aborted/0_0.data"), default);
        var block = RandomNumberGenerator.GetBytes(MiB);
        for (var i = 0; i < 11; i++)
            await writer.WriteAsync(block, default);
        await writer.DisposeAsync();

        using var client = _s3.CreateClient();
        var uploads = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = _bucket, Prefix = "base/aborted/" });
        Assert.Empty(uploads.MultipartUploads ?? []);
        Assert.Empty(await S3TestEndpoint.ListKeysAsync(client, _bucket, "base/aborted/"));
    }

    [Fact]
    public async Task Manifest_IsWrittenOnce_AndAMissingOneReadsAsNull()
    {
        var path = new StoragePath(0, "m/commit");
        Assert.Null(await _storage.ReadSmallFileAsync(path, 1024, default));
        Assert.True(await _storage.WriteAtomicAsync(path, "first"u8.ToArray(), default));

        Assert.False(await _storage.WriteAtomicAsync(path, "second"u8.ToArray(), default));
        Assert.Equal("first"u8.ToArray(), await _storage.ReadSmallFileAsync(path, 1024, default));
    }

    [Fact]
    public async Task List_GivesTheObjectsAndSubdirectoriesDirectlyUnderAPrefix()
    {
        var before = DateTimeOffset.UtcNow.AddMinutes(-5);
        await _storage.WriteAtomicAsync(new StoragePath(0, "listed/file"), new byte[] { 1 }, default);
        await _storage.WriteAtomicAsync(new StoragePath(0, "listed/3/commit"), new byte[] { 1 }, default);
        await _storage.WriteAtomicAsync(new StoragePath(0, "listed/3/0_0.data"), new byte[] { 1 }, default);
        await _storage.WriteAtomicAsync(new StoragePath(0, "listed-not/file"), new byte[] { 1 }, default);

        var entries = await _storage.ListAsync(new StoragePath(0, "listed"), default).ToListAsync();

        Assert.Equal([("3", true), ("file", false)], entries.Select(e => (e.Name, e.IsDirectory)).Order());
        Assert.True(entries.Single(e => !e.IsDirectory).LastModified > before);
        Assert.Empty(await _storage.ListAsync(new StoragePath(0, "missing"), default).ToListAsync());
    }

    [Fact]
    public async Task DeleteFile_RemovesOneObject_AndAMissingOneIsFine()
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
    public async Task DeleteDirectory_RemovesMoreThanOneListingPage_InBatchesOfAThousand()
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, 1005), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, token) => await _storage.WriteAtomicAsync(new StoragePath(0, $"many/{i}"), new byte[] { 1 }, token));
        var deletes = _storage.Counters.Total(S3RequestType.Delete);

        await _storage.DeleteDirectoryAsync(new StoragePath(0, "many"), default);

        Assert.Equal(2, _storage.Counters.Total(S3RequestType.Delete) - deletes);
        using var client = _s3.CreateClient();
        Assert.Empty(await S3TestEndpoint.ListKeysAsync(client, _bucket, "base/many/"));
    }

    /// <summary>Writes in 1MB blocks, reads back as the spool file reader does (small header reads, then payloads); returns the PUTs and GETs it took.</summary>
    private async Task<(long Puts, long Gets)> RoundTripAsync(StoragePath path, byte[] data)
    {
        var puts = _storage.Counters.Total(S3RequestType.Put);
        await using (var writer = await _storage.CreateFileAsync(path, default))
        {
            for (var offset = 0; offset < data.Length; offset += MiB)
                await writer.WriteAsync(data.AsMemory(offset, Math.Min(MiB, data.Length - offset)), default);
            await writer.CompleteAsync(default);
        }
        puts = _storage.Counters.Total(S3RequestType.Put) - puts;

        var gets = _storage.Counters.Total(S3RequestType.Get);
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
        return (puts, _storage.Counters.Total(S3RequestType.Get) - gets);
    }
}
