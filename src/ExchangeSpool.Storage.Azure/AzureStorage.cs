using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs.Models;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.Azure;

/// <summary>
/// Spools to Azure Blob Storage, one container (and client) per base directory. Files are block
/// blobs written once (one Put Blob, or blocks committed by one Put Block List), read by ranged Get
/// Blob requests; a commit manifest is one Put Blob with <c>If-None-Match: *</c>, so an existing
/// manifest is never replaced.
/// </summary>
public sealed class AzureStorage : IExchangeStorage
{
    public const string MeterName = "ExchangeSpool.Storage.Azure";

    private readonly AzureContainer[] _containers;

    /// <param name="baseDirectories"><c>abfs[s]://container@account.dfs.core.windows.net/path</c> URIs.</param>
    /// <exception cref="ArgumentException">An entry is not such a URI, or names another account than the connection string or endpoint.</exception>
    /// <param name="budget">The server's memory budget, which read windows are charged to.</param>
    public AzureStorage(IReadOnlyList<string> baseDirectories, AzureOptions options, MemoryBudget budget)
    {
        var locations = baseDirectories.Select(AzureLocation.Parse).ToArray();
        if (FindAccountMismatch(locations, options) is { } mismatch)
            throw new ArgumentException($"{(options.ConnectionString is null ? AzureOptions.EndpointKey : AzureOptions.ConnectionStringKey)} {mismatch}");
        Counters = new StorageRequestCounters(MeterName, "azure", "Azure Blob Storage");
        var requests = new AzureRequests(options, Counters);
        var credential = AzureClientFactory.Credential(options);
        _containers = locations
            .Select(location => new AzureContainer(location, AzureClientFactory.Create(location, options, Counters, credential), options, requests, budget))
            .ToArray();
        BaseDirectories = locations.Select(location => location.ToString()).ToArray();
    }

    public string Kind => "azure";

    public IReadOnlyList<string> BaseDirectories { get; }

    public StorageRequestCounters Counters { get; }

    public IReadOnlyList<Meter> Meters => [Counters.Meter];

    /// <summary>
    /// Why the base directories cannot be used with the connection string or endpoint (a base directory
    /// on another account than theirs), or null. Checked at start, naming the setting.
    /// </summary>
    public static string? FindAccountMismatch(IEnumerable<AzureLocation> locations, AzureOptions options)
    {
        if (AzureClientFactory.AccountOf(options) is not { Length: > 0 } account)
            return null;
        return locations.FirstOrDefault(location => location.Account != account) is { } other
            ? $"is for storage account '{account}', but base directory '{other}' is on account '{other.Account}'"
            : null;
    }

    public ValueTask<IStorageFileWriter> CreateFileAsync(StoragePath path, CancellationToken cancellationToken)
    {
        var (container, blob) = Resolve(path);
        return ValueTask.FromResult<IStorageFileWriter>(new AzureBlobWriter(container, blob));
    }

    public async ValueTask<IStorageFileReader> OpenFileAsync(StoragePath path, CancellationToken cancellationToken)
    {
        var (container, blob) = Resolve(path);
        return await AzureBlobReader.OpenAsync(container, blob, path.RelativePath, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One Put Blob with <c>If-None-Match: *</c>: Azure answers 409 BlobAlreadyExists when the blob
    /// exists, so two finishes of one attempt cannot both commit, with no check-then-put race.
    /// </summary>
    public async ValueTask<bool> WriteAtomicAsync(StoragePath path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var (container, blob) = Resolve(path);
        try
        {
            await container.Requests.RunAsync("PutBlob", container, blob, async token =>
            {
                using var body = new MemoryStream(content.ToArray(), writable: false);
                await container.Blob(blob).UploadAsync(body, new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                }, token).ConfigureAwait(false);
            }, cancellationToken, expected: IsAlreadyThere).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (IsAlreadyThere(e))
        {
            return false;
        }
    }

    public async ValueTask<byte[]?> ReadSmallFileAsync(StoragePath path, int maxLength, CancellationToken cancellationToken)
    {
        var (container, blob) = Resolve(path);
        try
        {
            return await container.Requests.RunAsync("GetBlob", container, blob, async token =>
            {
                var response = await container.Blob(blob).DownloadStreamingAsync(cancellationToken: token).ConfigureAwait(false);
                using var result = response.Value;
                var length = result.Details.ContentLength;
                if (length > maxLength)
                    throw SpoolException.DataLoss($"{path} in {container.Location} is {length} bytes, more than the {maxLength} it may have");
                var content = new byte[length];
                await result.Content.ReadExactlyAsync(content, token).ConfigureAwait(false);
                return content;
            }, cancellationToken, AzureRequests.IsNotFound).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (AzureRequests.IsNotFound(e))
        {
            return null;
        }
    }

    public async ValueTask DeleteDirectoryAsync(StoragePath path, CancellationToken cancellationToken)
    {
        var (container, blob) = Resolve(path);
        await AzurePrefixDeleter.DeleteAsync(container, blob + "/", cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DeleteFileAsync(StoragePath path, CancellationToken cancellationToken)
    {
        var (container, blob) = Resolve(path);
        await container.Requests.RunAsync("DeleteBlob", container, blob,
            token => container.Blob(blob).DeleteIfExistsAsync(cancellationToken: token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One List Blobs with a '/' delimiter per page: the blobs directly under the prefix and its "subdirectories".</summary>
    public async IAsyncEnumerable<StorageEntry> ListAsync(StoragePath directory, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (container, blob) = Resolve(directory);
        var prefix = blob + "/";
        string? continuation = null;
        do
        {
            var page = await container.Requests.RunAsync<Page<BlobHierarchyItem>?>("ListBlobs", container, prefix, async token =>
            {
                await foreach (var page in container.Client.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix, token)
                    .AsPages(continuation).ConfigureAwait(false))
                    return page;
                return null;
            }, cancellationToken).ConfigureAwait(false);
            if (page is null)
                yield break;
            foreach (var item in page.Values)
            {
                yield return item.IsPrefix
                    ? new StorageEntry(item.Prefix[prefix.Length..].TrimEnd('/'), IsDirectory: true, DateTimeOffset.MinValue)
                    : new StorageEntry(item.Blob.Name[prefix.Length..], IsDirectory: false, item.Blob.Properties.LastModified ?? DateTimeOffset.MinValue);
            }
            continuation = string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken;
        }
        while (continuation is not null);
    }

    /// <summary>The SDK's clients share pooled connections and hold nothing to release; the meter goes.</summary>
    public ValueTask DisposeAsync()
    {
        Counters.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>409 BlobAlreadyExists, or 412 from a store that answers a failed If-None-Match that way.</summary>
    private static bool IsAlreadyThere(RequestFailedException e) => e.Status is 409 or 412;

    /// <summary>The container and blob name of <paramref name="path"/>, refused unless it is a plain relative name.</summary>
    private (AzureContainer Container, string Blob) Resolve(StoragePath path)
    {
        if ((uint)path.BaseIndex >= (uint)_containers.Length)
            throw SpoolException.InvalidArgument($"base directory index {path.BaseIndex} is not configured (there are {_containers.Length})");
        if (path.RelativePath.Length == 0 || path.RelativePath.Split('/').Any(segment => segment is "" or "." or ".."))
            throw SpoolException.InvalidArgument($"path '{path.RelativePath}' is not a plain relative name");
        var container = _containers[path.BaseIndex];
        return (container, container.Location.BlobOf(path.RelativePath));
    }
}
