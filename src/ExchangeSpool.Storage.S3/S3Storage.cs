using System.Diagnostics.Metrics;
using System.Net;
using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.S3;

/// <summary>
/// Spools to S3 or any S3-compatible store, one bucket (and client) per base directory. Files are
/// objects written once (single PUT or multipart), read by ranged GETs; a commit manifest is one
/// conditional PUT, so an existing manifest is never replaced.
/// </summary>
public sealed class S3Storage : IExchangeStorage
{
    private readonly S3Bucket[] _buckets;

    /// <param name="baseDirectories"><c>s3://bucket/prefix</c> URIs.</param>
    /// <param name="budget">The server's memory budget: read windows are charged to it (written parts are the sinks' own blocks, charged already).</param>
    /// <exception cref="ArgumentException">An entry is not an S3 URI.</exception>
    public S3Storage(IReadOnlyList<string> baseDirectories, S3Options options, MemoryBudget budget)
    {
        Counters = new S3RequestCounters();
        var retry = new S3RetryPolicy(options, Counters);
        _buckets = baseDirectories
            .Select(directory => new S3Bucket(S3Location.Parse(directory), S3ClientFactory.Create(options), options, retry, budget))
            .ToArray();
        BaseDirectories = _buckets.Select(bucket => bucket.Location.ToString()).ToArray();
    }

    public string Kind => "s3";

    public IReadOnlyList<string> BaseDirectories { get; }

    public S3RequestCounters Counters { get; }

    public IReadOnlyList<Meter> Meters => [Counters.Meter];

    public ValueTask<IStorageFileWriter> CreateFileAsync(StoragePath path, CancellationToken cancellationToken)
    {
        var (bucket, key) = Resolve(path);
        return ValueTask.FromResult<IStorageFileWriter>(new S3FileWriter(bucket, key));
    }

    public async ValueTask<IStorageFileReader> OpenFileAsync(StoragePath path, CancellationToken cancellationToken)
    {
        var (bucket, key) = Resolve(path);
        return await S3FileReader.OpenAsync(bucket, key, path.RelativePath, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One PUT with <c>If-None-Match: *</c> (AWS since 2024, MinIO, Ceph RGW): S3 answers 412 when the
    /// object exists, so two finishes of one attempt cannot both commit, with no check-then-put race.
    /// </summary>
    public async ValueTask<bool> WriteAtomicAsync(StoragePath path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var (bucket, key) = Resolve(path);
        try
        {
            await bucket.Retry.ExecuteAsync(S3RequestType.Put, "PutObject", bucket.Name, key, async token =>
            {
                var request = bucket.NewPut(key);
                request.IfNoneMatch = "*";
                request.InputStream = new MemoryStream(content.ToArray(), writable: false);
                await bucket.Client.PutObjectAsync(request, token).ConfigureAwait(false);
            }, cancellationToken, S3Answers.PreconditionFailed).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            return false;
        }
    }

    public async ValueTask<byte[]?> ReadSmallFileAsync(StoragePath path, int maxLength, CancellationToken cancellationToken)
    {
        var (bucket, key) = Resolve(path);
        try
        {
            // An object too long is judged outside the retried call: the retry policy takes any failure inside it for S3's.
            var (length, content) = await bucket.Retry.ExecuteAsync<(long, byte[]?)>(S3RequestType.Get, "GetObject", bucket.Name, key, async token =>
            {
                using var response = await bucket.Client.GetObjectAsync(bucket.Name, key, token).ConfigureAwait(false);
                var length = response.ContentLength;
                if (length > maxLength)
                    return (length, null);
                var content = new byte[length];
                await response.ResponseStream.ReadExactlyAsync(content, token).ConfigureAwait(false);
                return (length, content);
            }, cancellationToken, S3Answers.NotFound).ConfigureAwait(false);
            return content ?? throw SpoolException.DataLoss($"{path} in {bucket.Location} is {length} bytes, more than the {maxLength} it may have");
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async ValueTask DeleteDirectoryAsync(StoragePath path, CancellationToken cancellationToken)
    {
        var (bucket, key) = Resolve(path);
        await S3PrefixDeleter.DeleteAsync(bucket, key + "/", cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DeleteFileAsync(StoragePath path, CancellationToken cancellationToken)
    {
        var (bucket, key) = Resolve(path);
        await bucket.Retry.ExecuteAsync(S3RequestType.Delete, "DeleteObject", bucket.Name, key,
            token => bucket.Client.DeleteObjectAsync(bucket.Name, key, token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One ListObjectsV2 with a '/' delimiter per page: the objects directly under the prefix and its "subdirectories".</summary>
    public async IAsyncEnumerable<StorageEntry> ListAsync(StoragePath directory, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (bucket, key) = Resolve(directory);
        var prefix = key + "/";
        string? continuation = null;
        do
        {
            var page = await bucket.Retry.ExecuteAsync(S3RequestType.List, "ListObjectsV2", bucket.Name, prefix,
                token => bucket.Client.ListObjectsV2Async(new ListObjectsV2Request
                {
                    BucketName = bucket.Name,
                    Prefix = prefix,
                    Delimiter = "/",
                    ContinuationToken = continuation,
                }, token), cancellationToken).ConfigureAwait(false);
            foreach (var common in page.CommonPrefixes ?? [])
                yield return new StorageEntry(common[prefix.Length..].TrimEnd('/'), IsDirectory: true, DateTimeOffset.MinValue);
            foreach (var file in page.S3Objects ?? [])
                yield return new StorageEntry(file.Key[prefix.Length..], IsDirectory: false, file.LastModified ?? DateTimeOffset.MinValue);
            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    /// <summary>Releases every bucket's client and its connections.</summary>
    public ValueTask DisposeAsync()
    {
        foreach (var bucket in _buckets)
            bucket.Dispose();
        Counters.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The bucket and object key of <paramref name="path"/>, refused unless it is a plain relative key.</summary>
    private (S3Bucket Bucket, string Key) Resolve(StoragePath path)
    {
        if ((uint)path.BaseIndex >= (uint)_buckets.Length)
            throw SpoolException.InvalidArgument($"base directory index {path.BaseIndex} is not configured (there are {_buckets.Length})");
        if (path.RelativePath.Length == 0 || path.RelativePath.Split('/').Any(segment => segment is "" or "." or ".."))
            throw SpoolException.InvalidArgument($"path '{path.RelativePath}' is not a plain relative key");
        var bucket = _buckets[path.BaseIndex];
        return (bucket, bucket.Location.KeyOf(path.RelativePath));
    }
}
