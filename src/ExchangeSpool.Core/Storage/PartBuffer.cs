using System.Buffers;

namespace ExchangeSpool.Core.Storage;

/// <summary>
/// The bytes of one upload (a part, or a whole small file) as pooled chunks the size of the writes
/// that filled it: a small file holds only what it wrote, never a whole part-sized array, and the
/// caller's block buffers are free again as soon as they are copied.
/// </summary>
public sealed class PartBuffer : IDisposable
{
    private readonly List<(byte[] Array, int Length)> _chunks = [];

    public long Length { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(chunk);
        _chunks.Add((chunk, data.Length));
        Length += data.Length;
    }

    /// <summary>A new seekable stream over the bytes; each attempt of a request gets its own.</summary>
    public Stream OpenRead() => new ChunkStream(this);

    public void Dispose()
    {
        foreach (var (array, _) in _chunks)
            ArrayPool<byte>.Shared.Return(array);
        _chunks.Clear();
        Length = 0;
    }

    private sealed class ChunkStream(PartBuffer part) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => part.Length;

        public override long Position
        {
            get => _position;
            set => _position = Math.Clamp(value, 0, part.Length);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var copied = 0;
            long chunkStart = 0;
            foreach (var (array, length) in part._chunks)
            {
                if (copied == buffer.Length)
                    break;
                var chunkEnd = chunkStart + length;
                if (_position < chunkEnd)
                {
                    var from = (int)(_position - chunkStart);
                    var count = Math.Min(length - from, buffer.Length - copied);
                    array.AsSpan(from, count).CopyTo(buffer[copied..]);
                    copied += count;
                    _position += count;
                }
                chunkStart = chunkEnd;
            }
            return copied;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => part.Length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
