using System.Buffers;
using ExchangeSpool.Grpc.Internal;

namespace ExchangeSpool.Grpc.Tests.Framing;

public sealed class MessageFramingTests
{
    [Fact]
    public void TryReadMessage_HeaderSplitAcrossSegments_ReadsMessage()
    {
        var frame = Frame([1, 2, 3]);
        var buffer = Segments(frame[..2], frame[2..4], frame[4..]);

        Assert.True(MessageFraming.TryReadMessage(ref buffer, 100, out var payload));

        Assert.Equal(new byte[] { 1, 2, 3 }, payload.ToArray());
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TryReadMessage_SeveralMessagesInOneSegment_ReadsThemInOrder()
    {
        var buffer = new ReadOnlySequence<byte>([.. Frame([7]), .. Frame([]), .. Frame([8, 9])]);

        Assert.True(MessageFraming.TryReadMessage(ref buffer, 100, out var first));
        Assert.True(MessageFraming.TryReadMessage(ref buffer, 100, out var second));
        Assert.True(MessageFraming.TryReadMessage(ref buffer, 100, out var third));

        Assert.Equal(new byte[] { 7 }, first.ToArray());
        Assert.True(second.IsEmpty);
        Assert.Equal(new byte[] { 8, 9 }, third.ToArray());
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TryReadMessage_PartialPayload_NeedsMoreAndLeavesBufferUntouched()
    {
        var frame = Frame([1, 2, 3, 4]);
        var buffer = new ReadOnlySequence<byte>(frame[..7]);

        Assert.False(MessageFraming.TryReadMessage(ref buffer, 100, out _));
        Assert.Equal(7, buffer.Length);
    }

    [Fact]
    public void TryReadMessage_LengthOverLimit_FailsFromHeaderAloneWithResourceExhausted()
    {
        byte[] headerOnly = [0, 0, 0, 0x10, 0];
        var buffer = new ReadOnlySequence<byte>(headerOnly);

        var error = Assert.Throws<RpcException>(() => MessageFraming.TryReadMessage(ref buffer, 1024, out _));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("4096", error.Status.Detail);
        Assert.Contains("1024", error.Status.Detail);
    }

    [Fact]
    public void TryReadMessage_CompressedFlagWithoutEncoding_FailsWithInternal()
    {
        byte[] frame = [1, 0, 0, 0, 1, 42];
        var buffer = new ReadOnlySequence<byte>(frame);

        var error = Assert.Throws<RpcException>(() => MessageFraming.TryReadMessage(ref buffer, 100, out _));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Contains("compressed", error.Status.Detail);
    }

    [Fact]
    public void WriteMessage_SerializerWritesOtherThanComputedSize_Fails()
    {
        var lying = new Marshaller<int>(_ => 0, _ => 3, (_, output) => output.Write(new byte[] { 1, 2 }));

        Assert.Throws<SerializationFailedException>(
            () => MessageFraming.WriteMessage(new ArrayBufferWriter<byte>(), 0, lying, 100, new CountingBufferWriter()));
    }

    [Fact]
    public void WriteMessage_WritesPrefixThenPayload()
    {
        var bytes = new Marshaller<byte[]>(s => s.ToArray(), m => m.Length, (m, output) => output.Write(m));
        var output = new ArrayBufferWriter<byte>();

        MessageFraming.WriteMessage(output, new byte[] { 5, 6 }, bytes, 100, new CountingBufferWriter());

        Assert.Equal(Frame([5, 6]), output.WrittenSpan.ToArray());
    }

    internal static byte[] Frame(byte[] payload) =>
        [0, (byte)(payload.Length >> 24), (byte)(payload.Length >> 16), (byte)(payload.Length >> 8), (byte)payload.Length, .. payload];

    private static ReadOnlySequence<byte> Segments(params byte[][] parts)
    {
        var first = new Segment(parts[0], 0);
        var last = first;
        foreach (var part in parts.Skip(1))
        {
            last = last.Append(part);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
