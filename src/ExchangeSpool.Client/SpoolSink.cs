using System.Buffers;
using System.Buffers.Binary;
using System.Threading.Channels;
using ExchangeSpool.Protocol;
using Grpc.Core;

namespace ExchangeSpool.Client;

/// <summary>
/// A worker's sink attempt: pages are framed into ~1 MiB batches and sent on one WriteSink stream by
/// a background sender. <see cref="IsBlocked"/> is pending while batches queue up behind the stream
/// (HTTP/2 flow control holds them when the server stops reading).
/// </summary>
public sealed class SpoolSink
{
    private const int FrameHeaderSize = 8;

    private static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(1);

    private readonly SpoolClient _client;
    private readonly SpoolSinkInstanceHandle _handle;
    private readonly Channel<Batch> _queue = Channel.CreateUnbounded<Batch>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _cancel = new();
    private readonly object _lock = new();
    private readonly AsyncClientStreamingCall<PageBatch, SinkResult> _call;
    private readonly Task _sender;
    private Batch? _current;
    private int _queued;
    private long _memoryUsage;
    private TaskCompletionSource _unblocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task<SinkResult>? _finish;
    private bool _aborted;
    private volatile bool _sendFailed;

    internal SpoolSink(SpoolClient client, SpoolSinkInstanceHandle handle)
    {
        _client = client;
        _handle = handle;
        _unblocked.SetResult();
        _call = client.CallInvoker.AsyncClientStreamingCall(ExchangeSpoolMethods.WriteSink, null, new CallOptions(cancellationToken: _cancel.Token));
        _sender = Task.Run(SendAsync);
    }

    /// <summary>Bytes of pages this sink holds: the filling batch and the queued ones.</summary>
    public long MemoryUsage => Interlocked.Read(ref _memoryUsage);

    /// <summary>Completed while the sink can take pages without queueing more; only a hint.</summary>
    public Task IsBlocked
    {
        get { lock (_lock) return _unblocked.Task; }
    }

    /// <summary>Copies a page into the current batch. Ignored after abort.</summary>
    public void Add(int partitionId, ReadOnlySpan<byte> page)
    {
        lock (_lock)
        {
            if (_aborted)
                return;
            if (_finish is not null)
                throw new InvalidOperationException($"{this}: Add after Finish");
            ThrowIfSendFailed();
            var frameLength = FrameHeaderSize + page.Length;
            if (_current is not null && _current.Remaining < frameLength)
                Enqueue();
            _current ??= Rent(Math.Max(frameLength, _client.Options.SinkBatchSize));
            var destination = _current.Buffer.AsSpan(_current.Length);
            BinaryPrimitives.WriteInt32LittleEndian(destination, partitionId);
            BinaryPrimitives.WriteInt32LittleEndian(destination[4..], page.Length);
            page.CopyTo(destination[FrameHeaderSize..]);
            _current.Length += frameLength;
            _current.PageCount++;
        }
    }

    /// <summary>Sends what is buffered and commits the attempt; fails if the server could not commit.</summary>
    public Task<SinkResult> FinishAsync()
    {
        lock (_lock)
        {
            if (_aborted)
                throw new InvalidOperationException($"{this}: Finish after Abort");
            if (_finish is not null)
                throw new InvalidOperationException($"{this}: Finish was already called");
            _current ??= Rent(0);
            _current.Finish = true;
            Enqueue();
            _queue.Writer.TryComplete();
            return _finish = AwaitCommitAsync();
        }
    }

    /// <summary>Cancels the stream and asks the server to delete the attempt; returns true when it had already committed (and was kept).</summary>
    public async Task<bool> AbortAsync()
    {
        lock (_lock)
        {
            if (_aborted)
                return false;
            _aborted = true;
            _queue.Writer.TryComplete();
            if (_current is { } filling)
            {
                _current = null;
                ArrayPool<byte>.Shared.Return(filling.Buffer);
                Interlocked.Add(ref _memoryUsage, -filling.Buffer.Length);
            }
        }
        await StopSendingAsync().ConfigureAwait(false);
        var response = await _client.UnaryAsync(ExchangeSpoolMethods.AbortSink, new AbortSinkRequest
        {
            Exchange = _handle.Exchange,
            SinkId = _handle.SinkId,
            AttemptId = _handle.AttemptId,
        }, CancellationToken.None).ConfigureAwait(false);
        return response.Committed;
    }

    public override string ToString() => $"sink {_handle.SinkId} attempt {_handle.AttemptId} of exchange {_handle.Exchange.Exchange.ExchangeId}";

    /// <summary>
    /// Lets a write under way finish and ends the stream without finish (the server then aborts the
    /// attempt) before the call is reset: a DATA frame that follows the client's own RST_STREAM makes
    /// the server close the whole connection, with every call on it. A write that flow control holds
    /// longer than <see cref="AbortGrace"/> is cut off by the reset.
    /// </summary>
    private async Task StopSendingAsync()
    {
        try
        {
            await _sender.WaitAsync(AbortGrace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        await _cancel.CancelAsync().ConfigureAwait(false);
        _call.Dispose();
        await _sender.ConfigureAwait(false);
    }

    /// <summary>The server's answer; when sending failed because the server ended the call early, that answer says why.</summary>
    private async Task<SinkResult> AwaitCommitAsync()
    {
        await _sender.ConfigureAwait(false);
        return await _call.ResponseAsync.ConfigureAwait(false);
    }

    private async Task SendAsync()
    {
        var first = true;
        try
        {
            await foreach (var batch in _queue.Reader.ReadAllAsync(_cancel.Token).ConfigureAwait(false))
            {
                try
                {
                    if (Volatile.Read(ref _aborted))
                        continue;
                    await _call.RequestStream.WriteAsync(new PageBatch
                    {
                        Open = first ? new SinkOpen { Exchange = _handle.Exchange, SinkId = _handle.SinkId, AttemptId = _handle.AttemptId } : null,
                        PageCount = batch.PageCount,
                        Pages = new ReadOnlySequence<byte>(batch.Buffer, 0, batch.Length),
                        Finish = batch.Finish,
                    }, _cancel.Token).ConfigureAwait(false);
                    first = false;
                }
                finally
                {
                    Release(batch);
                }
            }
            // Aborted before its first message was sent: a stream without one is no request the server
            // can take (it refuses it as INVALID_ARGUMENT, which a finish racing the abort then reported
            // instead of its cancellation), so the abort resets the call instead; no DATA can follow that reset.
            if (first && Volatile.Read(ref _aborted))
                return;
            await _call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The call ended (the server answered, the call was cancelled, the transport broke): stop
            // sending at once. The response says why, which is what FinishAsync reports.
            _sendFailed = true;
            while (_queue.Reader.TryRead(out var dropped))
                Release(dropped);
        }
    }

    /// <summary>Once sending stopped, Add reports the server's status, which says why.</summary>
    private void ThrowIfSendFailed()
    {
        if (_sendFailed && _call.ResponseAsync.IsFaulted)
            _call.ResponseAsync.GetAwaiter().GetResult();
    }

    private Batch Rent(int capacity)
    {
        var batch = new Batch(ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 1)));
        Interlocked.Add(ref _memoryUsage, batch.Buffer.Length);
        return batch;
    }

    private void Enqueue()
    {
        var batch = _current!;
        _current = null;
        if (++_queued >= _client.Options.SinkMaxQueuedBatches && _unblocked.Task.IsCompleted)
            _unblocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite(batch))
            Release(batch);
    }

    private void Release(Batch batch)
    {
        ArrayPool<byte>.Shared.Return(batch.Buffer);
        Interlocked.Add(ref _memoryUsage, -batch.Buffer.Length);
        TaskCompletionSource? unblocked = null;
        lock (_lock)
        {
            if (--_queued < _client.Options.SinkMaxQueuedBatches)
                unblocked = _unblocked;
        }
        unblocked?.TrySetResult();
    }

    private sealed class Batch(byte[] buffer)
    {
        public byte[] Buffer { get; } = buffer;
        public int Length { get; set; }
        public int PageCount { get; set; }
        public bool Finish { get; set; }
        public int Remaining => Buffer.Length - Length;
    }
}
