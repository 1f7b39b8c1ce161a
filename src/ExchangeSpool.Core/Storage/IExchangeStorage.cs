using System.Diagnostics.Metrics;
using ExchangeSpool.Core.Buffers;

namespace ExchangeSpool.Core.Storage;

/// <summary>
/// A file under one of the configured base directories. Only the layout builds relative paths (from
/// validated ids), and every backend still refuses one that would leave its base directory.
/// </summary>
public readonly record struct StoragePath(int BaseIndex, string RelativePath)
{
    public override string ToString() => RelativePath;
}

/// <summary>
/// The storage of one server, created by its <see cref="IStorageBackend"/> (each backend in its own
/// project). Files are written once, front to back, and read by range; small files (manifests) are
/// written atomically. Disposed when the server stops: it releases its clients and connections.
/// </summary>
public interface IExchangeStorage : IAsyncDisposable
{
    /// <summary>"local", "s3", ...</summary>
    string Kind { get; }

    /// <summary>The base directories in configuration order, each fully qualified (an absolute path, a bucket URI).</summary>
    IReadOnlyList<string> BaseDirectories { get; }

    /// <summary>The meters of this storage's own instruments (request counts, ...), which the server exports next to its own; none is fine.</summary>
    IReadOnlyList<Meter> Meters { get; }

    ValueTask<IStorageFileWriter> CreateFileAsync(StoragePath path, CancellationToken cancellationToken);

    ValueTask<IStorageFileReader> OpenFileAsync(StoragePath path, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a whole small file so that readers see all of it or nothing; returns false, writing
    /// nothing, when the file exists (two writers of one path: exactly one gets true).
    /// </summary>
    ValueTask<bool> WriteAtomicAsync(StoragePath path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>The content of a small file, or null when it does not exist.</summary>
    ValueTask<byte[]?> ReadSmallFileAsync(StoragePath path, int maxLength, CancellationToken cancellationToken);

    /// <summary>Deletes a directory (a prefix on object stores) and everything under it; missing is fine.</summary>
    ValueTask DeleteDirectoryAsync(StoragePath path, CancellationToken cancellationToken);

    /// <summary>Deletes one file; missing is fine.</summary>
    ValueTask DeleteFileAsync(StoragePath path, CancellationToken cancellationToken);

    /// <summary>
    /// What is directly under a directory (a prefix ending in '/' on object stores), in no particular
    /// order; nothing when it does not exist. For clean-ups, never on the data path.
    /// </summary>
    IAsyncEnumerable<StorageEntry> ListAsync(StoragePath directory, CancellationToken cancellationToken);
}

/// <summary>A file (with when it was last written) or a directory directly under a listed directory.</summary>
public readonly record struct StorageEntry(string Name, bool IsDirectory, DateTimeOffset LastModified);

/// <summary>Appends to a new file. Blocks arrive in order; the file is visible to readers once completed.</summary>
public interface IStorageFileWriter : IAsyncDisposable
{
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>
    /// Appends <paramref name="block"/> and takes it: the writer disposes it once its bytes are no
    /// longer needed. A backend that sends as it writes needs them only during the write (this
    /// default). One that gathers bytes before sending them (S3's multipart parts) keeps the block
    /// instead of copying it, so what it holds stays charged to the memory budget as the sink
    /// buffer it is, and holding it never needs memory of its own.
    /// </summary>
    async ValueTask WriteAsync(StorageBlock block, CancellationToken cancellationToken)
    {
        using (block)
            await WriteAsync(block.Bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Bytes of taken blocks that only more data or <see cref="CompleteAsync"/> will send (not those
    /// already on their way): what completing the file now would give back. Read by the writing
    /// thread only.
    /// </summary>
    long HeldBytes => 0;

    ValueTask CompleteAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Gives the file up without a request of its own: cancels the writer's requests under way, waits
    /// for them to end and gives back every block it holds. An aborted sink calls it before it answers,
    /// so its memory never waits for the storage; <see cref="IAsyncDisposable.DisposeAsync"/>, which
    /// then removes what was sent, may wait as long as the storage takes. A writer that holds no blocks
    /// between calls has nothing to do (this default).
    /// </summary>
    ValueTask AbandonAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// A sealed block's bytes and the pooled buffer they live in, which goes back to its pool (and the
/// memory budget) when the block is disposed.
/// </summary>
public sealed class StorageBlock : IDisposable
{
    private readonly BufferPool? _pool;
    private SpoolBuffer? _buffer;

    public StorageBlock(BufferPool pool, SpoolBuffer buffer, ReadOnlyMemory<byte> bytes)
    {
        _pool = pool;
        _buffer = buffer;
        Bytes = bytes;
    }

    /// <summary>A block in memory no pool owns (and no budget counts): for writers fed plain bytes.</summary>
    public StorageBlock(ReadOnlyMemory<byte> bytes) => Bytes = bytes;

    public ReadOnlyMemory<byte> Bytes { get; }

    public int Length => Bytes.Length;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
            _pool!.Return(buffer);
    }
}

/// <summary>Reads ranges of a completed file.</summary>
public interface IStorageFileReader : IAsyncDisposable
{
    long Length { get; }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>; returns fewer bytes only at the end of the file.</summary>
    ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);
}
