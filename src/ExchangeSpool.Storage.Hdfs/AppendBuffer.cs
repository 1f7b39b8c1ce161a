using System.Buffers;
using System.Net;
using ExchangeSpool.Core.Buffers;

namespace ExchangeSpool.Storage.Hdfs;

/// <summary>
/// The bytes of one append as pooled chunks the size of the writes that filled it, each charged to
/// the memory budget as sink memory: a small file holds only what it wrote, never a whole
/// block-size array, and the sink's block buffers are free again as soon as they are copied.
/// Charging never waits: when the budget has no room the writer sends what it has instead.
/// </summary>
internal sealed class AppendBuffer(MemoryBudget budget) : IDisposable
{
    private readonly List<(byte[] Array, int Length)> _chunks = [];

    public long Length { get; private set; }

    /// <summary>Copies <paramref name="data"/> in; false, copying nothing, when the budget has no room for it.</summary>
    public bool TryAppend(ReadOnlySpan<byte> data)
    {
        if (!budget.TryReserve(data.Length, MemoryUse.SinkBuffers))
            return false;
        var chunk = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(chunk);
        _chunks.Add((chunk, data.Length));
        Length += data.Length;
        return true;
    }

    /// <summary>A new request body of the buffered bytes followed by <paramref name="tail"/>; each attempt of a request gets its own.</summary>
    public HttpContent Content(ReadOnlyMemory<byte> tail = default) => new ChunkContent(this, tail);

    /// <summary>Returns the chunks and their budget; the buffer is empty and can be filled again.</summary>
    public void Dispose()
    {
        foreach (var (array, length) in _chunks)
        {
            ArrayPool<byte>.Shared.Return(array);
            budget.Release(length, MemoryUse.SinkBuffers);
        }
        _chunks.Clear();
        Length = 0;
    }

    private sealed class ChunkContent(AppendBuffer buffer, ReadOnlyMemory<byte> tail) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            foreach (var (array, length) in buffer._chunks)
                await stream.WriteAsync(array.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            if (!tail.IsEmpty)
                await stream.WriteAsync(tail, cancellationToken).ConfigureAwait(false);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = buffer.Length + tail.Length;
            return true;
        }
    }
}
