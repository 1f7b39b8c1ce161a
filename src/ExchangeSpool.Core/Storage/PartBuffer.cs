namespace ExchangeSpool.Core.Storage;

/// <summary>
/// The bytes of one upload (a part, or a whole small file) as the blocks that filled it, kept rather
/// than copied: their buffers stay charged to the memory budget as the sink buffers they are, and go
/// back to the pool when the part is disposed (after its upload, or when the writer is).
/// </summary>
public sealed class PartBuffer : IDisposable
{
    private readonly List<StorageBlock> _blocks = [];

    public long Length { get; private set; }

    /// <summary>Takes <paramref name="block"/>: from here on this part disposes it.</summary>
    public void Append(StorageBlock block)
    {
        _blocks.Add(block);
        Length += block.Length;
    }

    /// <summary>A new seekable stream over the bytes; each attempt of a request gets its own.</summary>
    public Stream OpenRead() => new BlockStream(this);

    public void Dispose()
    {
        foreach (var block in _blocks)
            block.Dispose();
        _blocks.Clear();
        Length = 0;
    }

    private sealed class BlockStream(PartBuffer part) : Stream
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
            long blockStart = 0;
            foreach (var block in part._blocks)
            {
                if (copied == buffer.Length)
                    break;
                var blockEnd = blockStart + block.Length;
                if (_position < blockEnd)
                {
                    var from = (int)(_position - blockStart);
                    var count = Math.Min(block.Length - from, buffer.Length - copied);
                    block.Bytes.Span.Slice(from, count).CopyTo(buffer[copied..]);
                    copied += count;
                    _position += count;
                }
                blockStart = blockEnd;
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
