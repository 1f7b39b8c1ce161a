using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.Hdfs;

/// <summary>
/// Writes one file in appends of the block size (<c>exchange.hdfs.block-size</c>): the first is a
/// CREATE, the rest APPENDs. A full block is sent while the next one fills; appends to one file are
/// sequential in HDFS, so one is in flight at a time and a writer holds at most two blocks, charged
/// to the memory budget. When the budget has no room, the writer does not wait for it (the sink
/// calling it may hold the memory it would wait for): it sends what it holds with the new data at
/// once, as a shorter append. Nothing is sent before a block fills, so a file smaller than a block
/// is one CREATE at completion. Abandoning a writer gives back the blocks it holds; disposing one
/// that did not complete abandons it, then deletes the file.
/// </summary>
internal sealed class HdfsFileWriter(WebHdfsClient client, string path, long blockSize, MemoryBudget budget) : IStorageFileWriter
{
    private readonly CancellationTokenSource _cancel = new();
    private AppendBuffer _filling = new(budget);
    private Task? _inFlight;
    private long _sent;
    private bool _created;
    private bool _completed;
    private bool _abandoned;
    private bool _disposed;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (data.Length > 0)
        {
            var take = (int)Math.Min(data.Length, blockSize - _filling.Length);
            if (!_filling.TryAppend(data.Span[..take]))
            {
                await WaitForInFlightAsync(cancellationToken).ConfigureAwait(false);
                await SendAsync(_filling, data, cancellationToken).ConfigureAwait(false);
                return;
            }
            data = data[take..];
            if (_filling.Length == blockSize)
                await StartSendingAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        await WaitForInFlightAsync(cancellationToken).ConfigureAwait(false);
        if (_filling.Length > 0 || !_created)
            await SendAsync(_filling, default, cancellationToken).ConfigureAwait(false);
        _completed = true;
    }

    public async ValueTask AbandonAsync()
    {
        if (_abandoned)
            return;
        _abandoned = true;
        await _cancel.CancelAsync().ConfigureAwait(false);
        if (_inFlight is { } inFlight)
        {
            try
            {
                await inFlight.ConfigureAwait(false);
            }
            catch
            {
                // Failed or cancelled: disposing the writer deletes the file.
            }
        }
        _filling.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        await AbandonAsync().ConfigureAwait(false);
        _cancel.Dispose();
        if (!_completed && _created)
            await DeleteBestEffortAsync().ConfigureAwait(false);
    }

    private async Task StartSendingAsync(CancellationToken cancellationToken)
    {
        await WaitForInFlightAsync(cancellationToken).ConfigureAwait(false);
        var full = _filling;
        _filling = new AppendBuffer(budget);
        _inFlight = SendInBackgroundAsync(full);
    }

    /// <summary>Runs on the writer's own token: a block keeps going while the caller fills the next, until the writer is disposed.</summary>
    private async Task SendInBackgroundAsync(AppendBuffer full)
    {
        using (full)
            await SendAsync(full, default, _cancel.Token).ConfigureAwait(false);
    }

    /// <summary>Sends <paramref name="buffer"/> and then <paramref name="tail"/> as the next CREATE or APPEND, and empties the buffer.</summary>
    private async Task SendAsync(AppendBuffer buffer, ReadOnlyMemory<byte> tail, CancellationToken cancellationToken)
    {
        var start = _sent;
        var length = buffer.Length + tail.Length;
        _sent += length;
        if (!_created)
        {
            _created = true;
            await client.CreateAsync(path, () => buffer.Content(tail), overwrite: true, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await client.AppendAsync(path, () => buffer.Content(tail), start, length, cancellationToken).ConfigureAwait(false);
        }
        buffer.Dispose();
    }

    private async Task WaitForInFlightAsync(CancellationToken cancellationToken)
    {
        if (_inFlight is not { } inFlight)
            return;
        await inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
        _inFlight = null;
    }

    /// <summary>Best effort: a file left behind is garbage (no manifest names it), deleted with its attempt or exchange.</summary>
    private async Task DeleteBestEffortAsync()
    {
        try
        {
            await client.DeleteAsync(path, recursive: false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Left to the deletion of the attempt's directory that follows every abort.
        }
    }
}
