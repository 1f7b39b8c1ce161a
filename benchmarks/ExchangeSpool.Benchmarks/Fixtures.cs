using System.Buffers.Binary;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Format;
using ExchangeSpool.Core.Sinks;
using ExchangeSpool.Storage.Local;

namespace ExchangeSpool.Benchmarks;

/// <summary>Sizes and data shared by the benchmark classes.</summary>
public static class Fixtures
{
    public const int KiB = 1024;
    public const int MiB = 1024 * 1024;

    /// <summary>Deterministic incompressible bytes, so every run measures the same data.</summary>
    public static byte[] RandomBytes(int length, int seed = 42)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(length);
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>
    /// A sink batch as the plugin sends it: <paramref name="pageCount"/> frames
    /// [int32 LE partition][int32 LE length][payload], partitions taken round-robin.
    /// </summary>
    public static byte[] SinkBatch(int pageSize, int pageCount, int partitionCount)
    {
        var payload = RandomBytes(pageSize);
        var batch = new byte[pageCount * (8 + pageSize)];
        var frame = batch.AsSpan();
        for (var page = 0; page < pageCount; page++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(frame, page % partitionCount);
            BinaryPrimitives.WriteInt32LittleEndian(frame[4..], pageSize);
            payload.CopyTo(frame[8..]);
            frame = frame[(8 + pageSize)..];
        }
        return batch;
    }

    /// <summary>Fills a buffer's whole payload with page frames [int32 LE length][payload] of <paramref name="frameSize"/> bytes each.</summary>
    public static void FillWithFrames(SpoolBuffer buffer, int frameSize)
    {
        var data = RandomBytes(buffer.PayloadCapacity);
        var pages = buffer.PayloadCapacity / frameSize;
        for (var page = 0; page < pages; page++)
            PageFrames.WriteHeader(data.AsSpan(page * frameSize), frameSize - PageFrames.FrameHeaderSize);
        data.AsSpan(0, pages * frameSize).CopyTo(buffer.Free);
        buffer.Length = pages * frameSize;
        buffer.PageCount = pages;
    }
}

/// <summary>A <see cref="SpoolContext"/> over local storage in a fresh temporary directory, deleted on dispose.</summary>
public sealed class TempSpool : IDisposable
{
    private static int _exchanges;

    public TempSpool(int maxPartitionCount = 50)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("exchange-spool-bench-").FullName;
        var options = new SpoolOptions
        {
            BaseDirectories = [Directory],
            MaxOutputPartitionCount = maxPartitionCount,
        };
        Context = new SpoolContext(options, new LocalExchangeStorage(options.BaseDirectories));
        Sinks = new SinkRegistry(Context);
    }

    public string Directory { get; }

    public SpoolContext Context { get; }

    public SinkRegistry Sinks { get; }

    public ExchangeSpec CreateExchange(int partitionCount) =>
        new ExchangeLifecycle(Context, Sinks).Create(
            new ExchangeKey("bench", $"ex{Interlocked.Increment(ref _exchanges)}"), partitionCount, preserveOrder: false);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
