using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Storage;
using Microsoft.Win32.SafeHandles;

namespace ExchangeSpool.Storage.Local;

/// <summary>
/// Spools to local (or shared, mounted) directories. Manifests are written to a temporary name and
/// renamed into place, so a reader on any node sees a whole manifest or none. Durability is all or
/// nothing: with <c>fsync</c> every data file is flushed when complete and the manifest before its
/// rename (the directory entry itself is not flushed: a crash may undo a rename, never expose half a
/// manifest); without it nothing is flushed, since a flushed manifest over unflushed data would
/// promise what it cannot keep. Files and directories get exactly the configured modes (by default
/// owner-only), whatever the umask: spooled query data is not for other local users.
/// </summary>
public sealed class LocalExchangeStorage : IExchangeStorage
{
    private readonly string[] _roots;
    private readonly bool _fsync;
    private readonly UnixFileMode _fileMode;
    private readonly UnixFileMode _directoryMode;

    public LocalExchangeStorage(IReadOnlyList<string> baseDirectories, bool fsync = false,
        UnixFileMode fileMode = UnixModes.OwnerOnlyFile, UnixFileMode directoryMode = UnixModes.OwnerOnlyDirectory)
    {
        _fsync = fsync;
        _fileMode = fileMode;
        _directoryMode = directoryMode;
        _roots = baseDirectories.Select(ToRoot).ToArray();
        foreach (var root in _roots)
            UnixModes.CreateDirectories(Path.TrimEndingDirectorySeparator(root), directoryMode);
        BaseDirectories = _roots.Select(Path.TrimEndingDirectorySeparator).ToArray();
    }

    public string Kind => "local";

    /// <summary>Absolute paths, so that what the server reports means the same from any working directory.</summary>
    public IReadOnlyList<string> BaseDirectories { get; }

    public IReadOnlyList<Meter> Meters => [];

    /// <summary>The absolute directory of a configured base directory (a plain path or a file:// URI).</summary>
    public static string ToRoot(string baseDirectory)
    {
        var path = baseDirectory.StartsWith("file:", StringComparison.OrdinalIgnoreCase)
            ? new Uri(baseDirectory).LocalPath
            : baseDirectory;
        return Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)) + Path.DirectorySeparatorChar;
    }

    public ValueTask<IStorageFileWriter> CreateFileAsync(StoragePath path, CancellationToken cancellationToken)
    {
        var fullPath = Resolve(path);
        try
        {
            return ValueTask.FromResult<IStorageFileWriter>(new LocalFileWriter(CreateNewFile(fullPath, FileShare.Read), fullPath, _fsync));
        }
        catch (IOException) when (File.Exists(fullPath))
        {
            // Another stream writes this attempt (a server sharing the directory, or one that crashed mid-write).
            throw new SpoolException(SpoolErrorReason.AttemptBusy, $"{path} already exists: another stream is writing this attempt");
        }
    }

    public ValueTask<IStorageFileReader> OpenFileAsync(StoragePath path, CancellationToken cancellationToken)
    {
        var fullPath = Resolve(path);
        try
        {
            var handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
            return ValueTask.FromResult<IStorageFileReader>(new LocalFileReader(handle));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SpoolException(SpoolErrorReason.DataLoss, $"spool file {path} is missing from base directory {path.BaseIndex}", e);
        }
    }

    public async ValueTask<bool> WriteAtomicAsync(StoragePath path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var fullPath = Resolve(path);
        var temporary = $"{fullPath}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var file = CreateNewFile(temporary, FileShare.None))
            {
                await RandomAccess.WriteAsync(file.SafeFileHandle, content, 0, cancellationToken).ConfigureAwait(false);
                if (_fsync)
                    RandomAccess.FlushToDisk(file.SafeFileHandle);
            }
            return LinkIfAbsent(temporary, fullPath);
        }
        catch (IOException e) when (LocalIoFailures.IsStorageFull(e))
        {
            throw LocalIoFailures.StorageFull(e);
        }
        finally
        {
            DeleteIfPresent(temporary);
        }
    }

    /// <summary>
    /// Deletes a file that may be gone, and its directory with it: a close on any server deletes the
    /// exchange's directories while its files may still be written or aborted here.
    /// </summary>
    private static void DeleteIfPresent(string fullPath)
    {
        try
        {
            File.Delete(fullPath);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>
    /// Gives the whole temporary file the name <paramref name="fullPath"/> unless that name exists,
    /// in one step: link(2) fails with EEXIST when it does. File.Move(overwrite: false) checks and then
    /// renames, so writers racing for one name could all win (34 of 300 rounds of 16 writers did here).
    /// </summary>
    private static bool LinkIfAbsent(string temporary, string fullPath)
    {
        if (link(temporary, fullPath) == 0)
            return true;
        var error = Marshal.GetLastPInvokeError();
        return error == FileExistsError
            ? false
            : throw new IOException($"cannot create {fullPath}: {Marshal.GetPInvokeErrorMessage(error)}", error);
    }

    private const int FileExistsError = 17;

    [DllImport("libc", SetLastError = true, ExactSpelling = true)]
    private static extern int link(string existingPath, string newPath);

    public async ValueTask<byte[]?> ReadSmallFileAsync(StoragePath path, int maxLength, CancellationToken cancellationToken)
    {
        var fullPath = Resolve(path);
        try
        {
            using var handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
            var length = RandomAccess.GetLength(handle);
            if (length > maxLength)
                throw SpoolException.DataLoss($"{path} is {length} bytes, more than the {maxLength} it may have");
            var content = new byte[length];
            var read = await RandomAccess.ReadAsync(handle, content, 0, cancellationToken).ConfigureAwait(false);
            return read == length ? content : content[..read];
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>A writer that creates a file in the directory meanwhile (a late attempt of a closed exchange) makes the deletion go again, a few times.</summary>
    public ValueTask DeleteDirectoryAsync(StoragePath path, CancellationToken cancellationToken)
    {
        const int Tries = 3;
        var fullPath = Resolve(path);
        for (var tried = 1; ; tried++)
        {
            try
            {
                Directory.Delete(fullPath, recursive: true);
                return ValueTask.CompletedTask;
            }
            catch (DirectoryNotFoundException)
            {
                return ValueTask.CompletedTask;
            }
            catch (IOException) when (tried < Tries && Directory.Exists(fullPath))
            {
            }
        }
    }

    public ValueTask DeleteFileAsync(StoragePath path, CancellationToken cancellationToken)
    {
        DeleteIfPresent(Resolve(path));
        return ValueTask.CompletedTask;
    }

    public IAsyncEnumerable<StorageEntry> ListAsync(StoragePath directory, CancellationToken cancellationToken) =>
        EntriesOf(new DirectoryInfo(Resolve(directory))).ToAsyncEnumerable();

    private static IEnumerable<StorageEntry> EntriesOf(DirectoryInfo directory)
    {
        if (!directory.Exists)
            yield break;
        foreach (var entry in directory.EnumerateFileSystemInfos())
            yield return new StorageEntry(entry.Name, entry is DirectoryInfo, entry.LastWriteTimeUtc);
    }

    /// <summary>Holds nothing open between calls: every writer and reader owns its handle.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The absolute path of <paramref name="path"/>, refused unless it stays inside its base directory.</summary>
    public string Resolve(StoragePath path)
    {
        if ((uint)path.BaseIndex >= (uint)_roots.Length)
            throw SpoolException.InvalidArgument($"base directory index {path.BaseIndex} is not configured (there are {_roots.Length})");
        var root = _roots[path.BaseIndex];
        var fullPath = Path.GetFullPath(Path.Combine(root, path.RelativePath));
        if (path.RelativePath.Length == 0 || !fullPath.StartsWith(root, StringComparison.Ordinal))
            throw SpoolException.InvalidArgument($"path '{path.RelativePath}' escapes base directory {path.BaseIndex}");
        return fullPath;
    }

    /// <summary>A new file with the configured mode in a directory made with the configured mode; a full disk fails as such.</summary>
    private FileStream CreateNewFile(string fullPath, FileShare share)
    {
        try
        {
            UnixModes.CreateDirectories(Path.GetDirectoryName(fullPath)!, _directoryMode);
            return UnixModes.CreateNewFile(fullPath, _fileMode, share);
        }
        catch (IOException e) when (LocalIoFailures.IsStorageFull(e))
        {
            throw LocalIoFailures.StorageFull(e);
        }
    }

    /// <summary>
    /// Writes through the file's handle at explicit offsets; the stream only owns the handle. A writer
    /// disposed before it completed deletes its file, so that an abandoned file is not left behind as
    /// if it were whole.
    /// </summary>
    private sealed class LocalFileWriter(FileStream file, string fullPath, bool fsync) : IStorageFileWriter
    {
        private readonly SafeFileHandle _handle = file.SafeFileHandle;
        private long _position;
        private bool _completed;

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            try
            {
                await RandomAccess.WriteAsync(_handle, data, _position, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e) when (LocalIoFailures.IsStorageFull(e))
            {
                throw LocalIoFailures.StorageFull(e);
            }
            _position += data.Length;
        }

        public async ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            try
            {
                if (fsync)
                    RandomAccess.FlushToDisk(_handle);
            }
            catch (IOException e) when (LocalIoFailures.IsStorageFull(e))
            {
                throw LocalIoFailures.StorageFull(e);
            }
            await file.DisposeAsync().ConfigureAwait(false);
            _completed = true;
        }

        public async ValueTask DisposeAsync()
        {
            await file.DisposeAsync().ConfigureAwait(false);
            if (!_completed)
                DeleteIfPresent(fullPath);
        }
    }

    private sealed class LocalFileReader(SafeFileHandle handle) : IStorageFileReader
    {
        public long Length { get; } = RandomAccess.GetLength(handle);

        public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            var total = 0;
            while (total < buffer.Length)
            {
                var read = await RandomAccess.ReadAsync(handle, buffer[total..], offset + total, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                    break;
                total += read;
            }
            return total;
        }

        public ValueTask DisposeAsync()
        {
            handle.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
