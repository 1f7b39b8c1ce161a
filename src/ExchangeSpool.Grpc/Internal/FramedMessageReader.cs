using System.Buffers;
using System.IO.Pipelines;

namespace ExchangeSpool.Grpc.Internal;

/// <summary>
/// Reads length-prefixed messages from a pipe without copying them. A returned payload is a view into the
/// pipe's buffers, which are handed back only when the next message is asked for (or on <see cref="Release"/>).
/// </summary>
internal sealed class FramedMessageReader(PipeReader pipe, int maxMessageSize)
{
    private SequencePosition? _heldUntil;

    /// <summary>The next message's payload, or null when the stream ended cleanly between messages.</summary>
    public async ValueTask<ReadOnlySequence<byte>?> ReadNextAsync(CancellationToken cancellationToken)
    {
        Release();
        while (true)
        {
            var result = await pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (TryTakeMessage(ref buffer, out var payload))
            {
                _heldUntil = buffer.Start;
                return payload;
            }

            if (result.IsCompleted)
            {
                pipe.AdvanceTo(buffer.End);
                return buffer.IsEmpty ? null : throw IncompleteMessage();
            }

            pipe.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// For calls that carry exactly one message: reads it, then waits for the end of the stream so that
    /// additional data is detected. Returns null when the stream ended without any message.
    /// </summary>
    public async ValueTask<ReadOnlySequence<byte>?> ReadSingleAsync(CancellationToken cancellationToken)
    {
        Release();
        while (true)
        {
            var result = await pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (TryTakeMessage(ref buffer, out var payload))
            {
                if (!buffer.IsEmpty)
                {
                    pipe.AdvanceTo(result.Buffer.End);
                    throw new RpcException(StatusCode.Unimplemented, "Additional data after the message received.");
                }

                if (result.IsCompleted)
                {
                    _heldUntil = buffer.End;
                    return payload;
                }

                // Keep the message in the pipe, unconsumed, while waiting for the end of the stream.
                pipe.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                continue;
            }

            if (result.IsCompleted)
            {
                pipe.AdvanceTo(buffer.End);
                return buffer.IsEmpty ? null : throw IncompleteMessage();
            }

            pipe.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Hands the bytes of the last returned payload back to the pipe.</summary>
    public void Release()
    {
        if (_heldUntil is { } position)
        {
            _heldUntil = null;
            pipe.AdvanceTo(position);
        }
    }

    private static RpcException IncompleteMessage() => new(StatusCode.Internal, "Incomplete message.");

    private bool TryTakeMessage(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> payload)
    {
        try
        {
            return MessageFraming.TryReadMessage(ref buffer, maxMessageSize, out payload);
        }
        catch
        {
            pipe.AdvanceTo(buffer.Start);
            throw;
        }
    }
}
