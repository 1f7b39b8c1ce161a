using Microsoft.Win32.SafeHandles;

namespace ExchangeSpool.Bench;

/// <summary>
/// The most plain file I/O does in the directory the spool writes to: one file per stream, written
/// and then read back in messages of the same size, with no fsync (the spool does not fsync data
/// files either) — so, like the spool's, these figures include the page cache.
/// </summary>
public static class DiskLimit
{
    public static async Task<Directions> MeasureAsync(string directory, int streams, long bytes, int chunkSize)
    {
        Directory.CreateDirectory(directory);
        var chunk = PageData.Random(chunkSize);
        var files = Enumerable.Range(0, streams).Select(i => Path.Combine(directory, $"disk-limit-{i}.data")).ToArray();
        try
        {
            var write = await Throughput.MeasureAsync(bytes, () => Task.WhenAll(files.Select((file, i) =>
                Task.Run(() => WriteAsync(file, chunk, PageData.Share(bytes, streams, i))))));
            var read = await Throughput.MeasureAsync(bytes, () => Task.WhenAll(files.Select((file, i) =>
                Task.Run(() => ReadAsync(file, chunkSize, PageData.Share(bytes, streams, i))))));
            return new Directions(write, read);
        }
        finally
        {
            foreach (var file in files)
                File.Delete(file);
        }
    }

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
