using System.Threading.Channels;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Format;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Core.Sinks;

/// <summary>
/// The storage side of a sink attempt: one loop that seals queued buffers into blocks and writes
/// them in order while the owner fills the next buffers. Every buffer it takes goes back to the pool
/// and gives back its quota slot, whether the write succeeded, failed or was cancelled.
/// </summary>
internal sealed class SinkFileWriter
{
    private readonly IExchangeStorage _storage;
    private readonly ExchangeLayout _layout;
    private readonly SinkAttemptId _attempt;
    private readonly BufferPool _pool;
    private readonly SemaphoreSlim _quota;
    private readonly Channel<PendingBlock> _queue = Channel.CreateUnbounded<PendingBlock>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _cancel = new();
    private readonly Dictionary<int, OpenFile> _openFiles = [];
    private readonly List<ManifestFile> _files = [];
    private readonly Task _loop;
    private volatile Exception? _failure;

    public SinkFileWriter(IExchangeStorage storage, ExchangeLayout layout, SinkAttemptId attempt, BufferPool pool, SemaphoreSlim quota)
    {
        _storage = storage;
        _layout = layout;
        _attempt = attempt;
        _pool = pool;
        _quota = quota;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The first write failure; once set, later blocks are dropped and the attempt must fail.</summary>
    public Exception? Failure => _failure;

    public void Enqueue(PendingBlock block)
    {
        if (!_queue.Writer.TryWrite(block))
            Recycle(block.Buffer);
    }

    /// <summary>Writes everything queued, completes every file and returns what the manifest must list.</summary>
    public async Task<IReadOnlyList<ManifestFile>> CompleteAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        if (_failure is { } failure)
            throw failure;
        foreach (var file in _openFiles.Values)
            await CompleteFileAsync(file, cancellationToken).ConfigureAwait(false);
        _openFiles.Clear();
        return _files.OrderBy(f => f.PartitionId).ThenBy(f => f.FileIndex).ToArray();
    }

    /// <summary>Stops writing, drops queued blocks and closes open files; deleting them is the caller's job.</summary>
    public async Task AbortAsync()
    {
        _queue.Writer.TryComplete();
        await _cancel.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        foreach (var file in _openFiles.Values)
            await file.Writer.DisposeAsync().ConfigureAwait(false);
        _openFiles.Clear();
    }

    private async Task RunAsync()
    {
        await foreach (var block in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                if (_failure is null && !_cancel.IsCancellationRequested)
                    await WriteAsync(block, _cancel.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _failure ??= e is SpoolException or OperationCanceledException
                    ? e
                    : new SpoolException(SpoolErrorCode.Unavailable, $"writing {_attempt} to storage failed: {e.Message}", e);
            }
            finally
            {
                Recycle(block.Buffer);
            }
        }
    }

    private async ValueTask WriteAsync(PendingBlock block, CancellationToken cancellationToken)
    {
        var partitionId = block.Partition.PartitionId;
        SpoolFileHeader? fileHeader = null;
        if (!_openFiles.TryGetValue(partitionId, out var file) || file.FileIndex != block.FileIndex)
        {
            if (file is not null)
                await CompleteFileAsync(file, cancellationToken).ConfigureAwait(false);
            var path = _layout.DataFile(_attempt.Exchange, _attempt.SinkId, _attempt.AttemptId, partitionId, block.FileIndex);
            file = new OpenFile(partitionId, block.FileIndex, await _storage.CreateFileAsync(path, cancellationToken).ConfigureAwait(false));
            _openFiles[partitionId] = file;
            fileHeader = SpoolFileHeader.CreateUnencrypted();
        }
        var bytes = BlockSealer.Seal(block.Buffer, block.BlockIndex, fileHeader);
        await file.Writer.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        file.StoredSize += bytes.Length;
        file.DataSize += block.Buffer.Length;
        file.PageCount += block.Buffer.PageCount;
        file.BlockCount++;
    }

    private async ValueTask CompleteFileAsync(OpenFile file, CancellationToken cancellationToken)
    {
        await file.Writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        await file.Writer.DisposeAsync().ConfigureAwait(false);
        _files.Add(new ManifestFile(file.PartitionId, file.FileIndex, file.StoredSize, file.DataSize, file.PageCount, file.BlockCount));
    }

    private void Recycle(SpoolBuffer buffer)
    {
        _pool.Return(buffer);
        _quota.Release();
    }

    private sealed class OpenFile(int partitionId, int fileIndex, IStorageFileWriter writer)
    {
        public int PartitionId { get; } = partitionId;
        public int FileIndex { get; } = fileIndex;
        public IStorageFileWriter Writer { get; } = writer;
        public long StoredSize { get; set; }
        public long DataSize { get; set; }
        public long PageCount { get; set; }
        public int BlockCount { get; set; }
    }
}
