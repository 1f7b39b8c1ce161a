using System.Buffers;

namespace ExchangeSpool.Grpc.Internal;

/// <summary>
/// Passes writes through to another buffer writer and counts them, to check that a serializer wrote
/// exactly the size announced in the message prefix. One instance is reused for every message of a stream.
/// </summary>
internal sealed class CountingBufferWriter : IBufferWriter<byte>
{
    private IBufferWriter<byte>? _inner;

    public long WrittenCount { get; private set; }

    public void Reset(IBufferWriter<byte> inner)
    {
        _inner = inner;
        WrittenCount = 0;
    }

    public void Advance(int count)
    {
        Inner.Advance(count);
        WrittenCount += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Inner.GetMemory(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => Inner.GetSpan(sizeHint);

    private IBufferWriter<byte> Inner => _inner ?? throw new InvalidOperationException("No output to write to.");
}
