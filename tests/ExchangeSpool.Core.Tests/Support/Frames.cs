using System.Buffers;
using System.Buffers.Binary;

namespace ExchangeSpool.Core.Tests.Support;

/// <summary>One page a test writes: its partition and its exact bytes.</summary>
public readonly record struct TestPage(int Partition, byte[] Payload);

/// <summary>Builds the wire batches a sink attempt takes: [int32 LE partition][int32 LE length][payload]...</summary>
public sealed class FrameBuilder
{
    private readonly MemoryStream _bytes = new();

    public int PageCount { get; private set; }

    public long Length => _bytes.Length;

    public static FrameBuilder Of(IEnumerable<TestPage> pages)
    {
        var builder = new FrameBuilder();
        foreach (var page in pages)
            builder.Add(page.Partition, page.Payload);
        return builder;
    }

    public FrameBuilder Add(int partition, ReadOnlySpan<byte> payload) => AddRaw(partition, payload.Length, payload);

    /// <summary>A frame whose length field says <paramref name="claimedLength"/> whatever follows it.</summary>
    public FrameBuilder AddRaw(int partition, int claimedLength, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(header, partition);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], claimedLength);
        _bytes.Write(header);
        _bytes.Write(payload);
        PageCount++;
        return this;
    }

    public byte[] ToArray() => _bytes.ToArray();

    public ReadOnlySequence<byte> ToSequence() => new(ToArray());

    /// <summary>The same bytes cut into segments of <paramref name="segmentSize"/> bytes, so frames straddle segments.</summary>
    public ReadOnlySequence<byte> ToSegmentedSequence(int segmentSize) => Segmented(ToArray(), segmentSize);

    public static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentSize)
    {
        if (bytes.Length == 0)
            return ReadOnlySequence<byte>.Empty;
        Segment? first = null, last = null;
        for (var offset = 0; offset < bytes.Length; offset += segmentSize)
        {
            // Each segment is its own array, so nothing can read across a segment by accident.
            var chunk = bytes.AsSpan(offset, Math.Min(segmentSize, bytes.Length - offset)).ToArray();
            var segment = new Segment(chunk, last?.RunningIndex + last?.Memory.Length ?? 0);
            if (last is null)
                first = segment;
            else
                last.SetNext(segment);
            last = segment;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}

/// <summary>Deterministic page contents that carry (sink, partition, sequence) so order and origin can be checked.</summary>
public static class Pages
{
    public const int TagSize = 12;

    public static byte[] Make(int sink, int partition, int sequence, int length)
    {
        var bytes = new byte[length];
        new Random(HashCode.Combine(sink, partition, sequence, length)).NextBytes(bytes);
        if (length >= TagSize)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes, sink);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), partition);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), sequence);
        }
        return bytes;
    }

    public static (int Sink, int Partition, int Sequence) Tag(ReadOnlySpan<byte> page) =>
        (BinaryPrimitives.ReadInt32LittleEndian(page),
         BinaryPrimitives.ReadInt32LittleEndian(page[4..]),
         BinaryPrimitives.ReadInt32LittleEndian(page[8..]));

    /// <summary><paramref name="count"/> pages spread round-robin over the partitions, sizes from <paramref name="size"/>(sequence).</summary>
    public static List<TestPage> Spread(int sink, int partitions, int count, Func<int, int> size) =>
        Enumerable.Range(0, count)
            .Select(i => new TestPage(i % partitions, Make(sink, i % partitions, i, size(i))))
            .ToList();

    /// <summary>The pages of each partition, in the order they were written.</summary>
    public static List<byte[]>[] ByPartition(IEnumerable<TestPage> pages, int partitions)
    {
        var result = Enumerable.Range(0, partitions).Select(_ => new List<byte[]>()).ToArray();
        foreach (var page in pages)
            result[page.Partition].Add(page.Payload);
        return result;
    }

    public static void AssertSame(IReadOnlyList<byte[]> expected, IReadOnlyList<byte[]> actual, string what)
    {
        Assert.True(expected.Count == actual.Count, $"{what}: expected {expected.Count} pages, read {actual.Count}");
        for (var i = 0; i < expected.Count; i++)
            Assert.True(expected[i].AsSpan().SequenceEqual(actual[i]), $"{what}: page {i} differs (lengths {expected[i].Length} / {actual[i].Length})");
    }
}
