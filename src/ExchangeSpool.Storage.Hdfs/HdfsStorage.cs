using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.Hdfs;

/// <summary>
/// Spools to HDFS over WebHDFS, the way clients without a JVM reach it: one client (and connection
/// pool) per cluster, base directories on any of them. Files are written in block-size appends and
/// read by ranged OPENs; a commit manifest is written under a temporary name and renamed without
/// overwrite, so an existing manifest is never replaced; a directory is deleted with one recursive DELETE.
/// </summary>
public sealed class HdfsStorage : IExchangeStorage
{
    private readonly (HdfsLocation Location, WebHdfsClient Client)[] _bases;
    private readonly WebHdfsClient[] _clients;
    private readonly HdfsOptions _options;
    private readonly MemoryBudget _budget;

    /// <param name="baseDirectories"><c>hdfs://nameservice/path</c> URIs (or <c>webhdfs://</c>, <c>swebhdfs://</c>).</param>
    /// <param name="budget">What append buffers and read windows are charged to.</param>
    /// <exception cref="ArgumentException">An entry is not an HDFS URI.</exception>
    /// <exception cref="ConfigurationException">The Hadoop XML does not describe an entry's cluster, or asks for Kerberos.</exception>
    public HdfsStorage(IReadOnlyList<string> baseDirectories, HdfsOptions options, MemoryBudget budget)
    {
        _options = options;
        _budget = budget;
        Counters = new HdfsRequestCounters();
        var configuration = HadoopConfiguration.Load(options.ConfigResources);
        NamenodeAddresses.Validate(configuration);
        var locations = baseDirectories.Select(directory => HdfsLocation.Parse(directory).InCluster(configuration)).ToArray();
        var clients = locations
            .GroupBy(location => (location.Scheme, location.Authority))
            .ToDictionary(cluster => cluster.Key, cluster => new WebHdfsClient($"{cluster.Key.Scheme}://{cluster.Key.Authority}",
                NamenodeAddresses.Resolve(cluster.First(), configuration), options, Counters));
        _bases = locations.Select(location => (location, clients[(location.Scheme, location.Authority)])).ToArray();
        _clients = [.. clients.Values];
        BaseDirectories = locations.Select(location => location.ToString()).ToArray();
    }

    public string Kind => "hdfs";

    public IReadOnlyList<string> BaseDirectories { get; }

    public HdfsRequestCounters Counters { get; }

    public IReadOnlyList<Meter> Meters => [Counters.Meter];

    public ValueTask<IStorageFileWriter> CreateFileAsync(StoragePath path, CancellationToken cancellationToken)
    {
        var (client, hdfsPath, _) = Resolve(path);
        return ValueTask.FromResult<IStorageFileWriter>(new HdfsFileWriter(client, hdfsPath, _options.BlockSize, _budget));
    }

    public async ValueTask<IStorageFileReader> OpenFileAsync(StoragePath path, CancellationToken cancellationToken)
    {
        var (client, hdfsPath, uri) = Resolve(path);
        var status = await client.GetFileStatusAsync(hdfsPath, cancellationToken).ConfigureAwait(false);
        if (status is not { IsDirectory: false } file)
            throw new SpoolException(SpoolErrorReason.DataLoss, $"spool file {path} is missing from {uri}");
        return await HdfsFileReader.OpenAsync(client, hdfsPath, uri, file.Length, (int)_options.BlockSize, _budget, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// CREATE of a temporary name beside the file, then RENAME without overwrite, which HDFS refuses
    /// (<c>{"boolean": false}</c>) when the name exists: two writers of one path cannot both get true.
    /// A rename whose answer was lost and was sent again finds its source gone: that is our rename.
    /// </summary>
    public async ValueTask<bool> WriteAtomicAsync(StoragePath path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var (client, hdfsPath, _) = Resolve(path);
        var temporary = $"{hdfsPath}.{Guid.NewGuid():N}.tmp";
        await client.CreateAsync(temporary, () => new ReadOnlyMemoryContent(content), overwrite: true, cancellationToken).ConfigureAwait(false);
        if (await client.RenameAsync(temporary, hdfsPath, cancellationToken).ConfigureAwait(false))
            return true;
        if (await client.GetFileStatusAsync(temporary, cancellationToken).ConfigureAwait(false) is null)
            return true;
        await client.DeleteAsync(temporary, recursive: false, cancellationToken).ConfigureAwait(false);
        return false;
    }

    public async ValueTask<byte[]?> ReadSmallFileAsync(StoragePath path, int maxLength, CancellationToken cancellationToken)
    {
        var (client, hdfsPath, uri) = Resolve(path);
        var buffer = new byte[maxLength + 1];
        int read;
        try
        {
            read = await client.OpenAsync(hdfsPath, 0, buffer, expected: 0, cancellationToken).ConfigureAwait(false);
        }
        catch (WebHdfsRemoteException e) when (e.IsFileNotFound)
        {
            return null;
        }
        if (read > maxLength)
            throw SpoolException.DataLoss($"{uri} is more than the {maxLength} bytes it may have");
        return buffer[..read];
    }

    public async ValueTask DeleteDirectoryAsync(StoragePath path, CancellationToken cancellationToken)
    {
        var (client, hdfsPath, _) = Resolve(path);
        await client.DeleteAsync(hdfsPath, recursive: true, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DeleteFileAsync(StoragePath path, CancellationToken cancellationToken)
    {
        var (client, hdfsPath, _) = Resolve(path);
        await client.DeleteAsync(hdfsPath, recursive: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One LISTSTATUS: the files and directories directly under the directory.</summary>
    public async IAsyncEnumerable<StorageEntry> ListAsync(StoragePath directory, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (client, hdfsPath, _) = Resolve(directory);
        foreach (var status in await client.ListStatusAsync(hdfsPath, cancellationToken).ConfigureAwait(false) ?? [])
            yield return new StorageEntry(status.Name, status.IsDirectory, status.Modified);
    }

    /// <summary>Releases every cluster's connections.</summary>
    public ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
            client.Dispose();
        Counters.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The cluster, absolute path and URI of <paramref name="path"/>, refused unless it is a plain relative path.</summary>
    private (WebHdfsClient Client, string Path, string Uri) Resolve(StoragePath path)
    {
        if ((uint)path.BaseIndex >= (uint)_bases.Length)
            throw SpoolException.InvalidArgument($"base directory index {path.BaseIndex} is not configured (there are {_bases.Length})");
        if (path.RelativePath.Length == 0 || path.RelativePath.Split('/').Any(segment => segment is "" or "." or ".."))
            throw SpoolException.InvalidArgument($"path '{path.RelativePath}' is not a plain relative path");
        var (location, client) = _bases[path.BaseIndex];
        return (client, location.PathOf(path.RelativePath), location.UriOf(path.RelativePath));
    }
}
