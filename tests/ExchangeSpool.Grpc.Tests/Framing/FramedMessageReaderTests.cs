using System.Buffers;
using System.IO.Pipelines;
using ExchangeSpool.Grpc.Internal;

namespace ExchangeSpool.Grpc.Tests.Framing;

public sealed class FramedMessageReaderTests
{
    [Fact]
    public async Task ReadNextAsync_MessageArrivingByteByByte_IsReadWhole()
    {
        var pipe = new Pipe();
        var reader = new FramedMessageReader(pipe.Reader, 100);

        var read = reader.ReadNextAsync(CancellationToken.None).AsTask();
        foreach (var b in MessageFramingTests.Frame([1, 2, 3]))
        {
            await pipe.Writer.WriteAsync(new[] { b });
        }

        Assert.Equal(new byte[] { 1, 2, 3 }, (await read)!.Value.ToArray());
    }

    [Fact]
    public async Task ReadNextAsync_StreamEndsMidMessage_FailsWithIncompleteMessage()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(MessageFramingTests.Frame([1, 2, 3])[..6]);
        await pipe.Writer.CompleteAsync();

        var error = await Assert.ThrowsAsync<RpcException>(
            async () => await new FramedMessageReader(pipe.Reader, 100).ReadNextAsync(CancellationToken.None));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Equal("Incomplete message.", error.Status.Detail);
    }

    [Fact]
    public async Task ReadNextAsync_StreamEndsBetweenMessages_ReturnsNull()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(MessageFramingTests.Frame([9]));
        await pipe.Writer.CompleteAsync();
        var reader = new FramedMessageReader(pipe.Reader, 100);

        Assert.NotNull(await reader.ReadNextAsync(CancellationToken.None));
        Assert.Null(await reader.ReadNextAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ReadSingleAsync_SecondMessage_FailsWithAdditionalData()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync((byte[])[.. MessageFramingTests.Frame([1]), .. MessageFramingTests.Frame([2])]);
        await pipe.Writer.CompleteAsync();

        var error = await Assert.ThrowsAsync<RpcException>(
            async () => await new FramedMessageReader(pipe.Reader, 100).ReadSingleAsync(CancellationToken.None));

        Assert.Equal("Additional data after the message received.", error.Status.Detail);
    }

    [Fact]
    public async Task ReadSingleAsync_WaitsForEndOfStreamBeforeReturningMessage()
    {
        var pipe = new Pipe();
        var reader = new FramedMessageReader(pipe.Reader, 100);
        await pipe.Writer.WriteAsync(MessageFramingTests.Frame([4, 2]));

        var read = reader.ReadSingleAsync(CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(read.IsCompleted);
        await pipe.Writer.CompleteAsync();

        Assert.Equal(new byte[] { 4, 2 }, (await read)!.Value.ToArray());
    }
}
