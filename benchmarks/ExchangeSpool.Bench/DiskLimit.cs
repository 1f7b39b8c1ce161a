using Microsoft.Win32.SafeHandles;

namespace ExchangeSpool.Bench;

/// <summary>
/// The most plain file I/O does in the directory the spool writes to: one file per stream, written
/// and then read back in messages of the same size, with no fsync (the spool does not fsync data
/// files either) — so, like the spool's, these figures include the page cache. Each round rewrites
/// the same files; they are deleted on dispose.
/// </summary>
public sealed class DiskLimit : IThroughputSubject, IDisposable
{
    private readonly string[] _files;
    private readonly byte[] _chunk;
    private readonly long _bytes;

    private DiskLimit(string[] files, byte[] chunk, long bytes)
    {
        _files = files;
        _chunk = chunk;
        _bytes = bytes;
    }

    /// <summary>Creates the directory and runs a smaller round of the same shape first, as every throughput subject does.</summary>
    public static async Task<DiskLimit> StartAsync(string directory, int streams, long bytes, int chunkSize)
    {
        Directory.CreateDirectory(directory);
        var files = Enumerable.Range(0, streams).Select(i => Path.Combine(directory, $"disk-limit-{i}.data")).ToArray();
        var limit = new DiskLimit(files, PageData.Random(chunkSize), bytes);
        var warmUp = Throughput.WarmUpBytes(bytes, (long)streams * chunkSize);
        await limit.WriteAllAsync(warmUp);
        await limit.ReadAllAsync(warmUp);
        return limit;
    }

    public async Task<Directions> MeasureRoundAsync()
    {
        var write = await Throughput.MeasureAsync(_bytes, () => WriteAllAsync(_bytes));
        var read = await Throughput.MeasureAsync(_bytes, () => ReadAllAsync(_bytes));
        return new Directions(write, read);
    }

    public void Dispose()
    {
        foreach (var file in _files)
            File.Delete(file);
    }

    private Task WriteAllAsync(long bytes) => Task.WhenAll(_files.Select((file, i) =>
        Task.Run(() => WriteAsync(file, _chunk, PageData.Share(bytes, _files.Length, i)))));

    private Task ReadAllAsync(long bytes) => Task.WhenAll(_files.Select((file, i) =>
        Task.Run(() => ReadAsync(file, _chunk.Length, PageData.Share(bytes, _files.Length, i)))));

    private static async Task WriteAsync(string path, byte[] chunk, long length)
    {
        using var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.Asynchronous);
        for (long offset = 0; offset < length; offset += chunk.Length)
            await RandomAccess.WriteAsync(file, chunk.AsMemory(0, (int)Math.Min(chunk.Length, length - offset)), offset);
    }

    private static async Task ReadAsync(string path, int chunkSize, long length)
    {
        using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        var buffer = new byte[chunkSize];
        long offset = 0;
        int read;
        while ((read = await RandomAccess.ReadAsync(file, buffer, offset)) > 0)
            offset += read;
        if (offset != length)
            throw new InvalidOperationException($"read {offset} bytes of {length} back from {path}");
    }
}
