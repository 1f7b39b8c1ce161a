using System.Security.Cryptography;
using Amazon.S3.Model;
using ExchangeSpool.ContractTests.Storage;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Storage.S3;

namespace ExchangeSpool.ContractTests.S3;

/// <summary>
/// The storage contract on S3 (one bucket, a base directory under each of two prefixes, the second
/// written as Hadoop's <c>s3a://</c>), plus what only S3 has: the requests it sends, and the
/// multipart uploads it must not leave behind.
/// </summary>
[Collection(S3Collection.Name)]
public sealed class S3StorageTests : StorageContractTests
{
    private S3TestEndpoint _s3 = null!;
    private string _bucket = null!;

    protected override IStorageBackend Backend { get; } = new S3StorageBackend();

    protected override IEnumerable<string> Settings => [.. _s3.ServerSettings(), "exchange.s3.upload.part-size=5MB"];

    private S3Storage S3Storage => (S3Storage)Storage;

    protected override async Task<IReadOnlyList<string>> CreateBaseDirectoriesAsync()
    {
        _s3 = await S3TestEndpoint.SharedAsync();
        _bucket = (await _s3.CreateBucketsAsync(1))[0];
        return [$"s3://{_bucket}/base", $"s3a://{_bucket}/other"];
    }

    protected override Task DeleteBaseDirectoriesAsync() => _s3.DeleteBucketsAsync([_bucket]);

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
        var writer = await Storage.CreateFileAsync(new StoragePath(0, "aborted/0_0.data"), default);
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
    public async Task DeleteDirectory_RemovesMoreThanOneListingPage_InBatchesOfAThousand()
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, 1005), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, token) => await Storage.WriteAtomicAsync(new StoragePath(0, $"many/{i}"), new byte[] { 1 }, token));
        var deletes = S3Storage.Counters.Total(S3RequestType.Delete);

        await Storage.DeleteDirectoryAsync(new StoragePath(0, "many"), default);

        Assert.Equal(2, S3Storage.Counters.Total(S3RequestType.Delete) - deletes);
        using var client = _s3.CreateClient();
        Assert.Empty(await S3TestEndpoint.ListKeysAsync(client, _bucket, "base/many/"));
    }

    /// <summary>Writes in 1MB blocks, reads back as the spool file reader does (small header reads, then payloads); returns the PUTs and GETs it took.</summary>
    private async Task<(long Puts, long Gets)> RoundTripAsync(StoragePath path, byte[] data)
    {
        var puts = S3Storage.Counters.Total(S3RequestType.Put);
        await WriteAsync(path, data, blockSize: MiB);
        puts = S3Storage.Counters.Total(S3RequestType.Put) - puts;

        var gets = S3Storage.Counters.Total(S3RequestType.Get);
        var read = new byte[data.Length];
        await using (var reader = await Storage.OpenFileAsync(path, default))
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
        return (puts, S3Storage.Counters.Total(S3RequestType.Get) - gets);
    }
}
