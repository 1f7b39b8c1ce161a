using System.Threading.Channels;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Encryption;
using ExchangeSpool.Core.Format;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Core.Sinks;

/// <summary>
/// The storage side of a sink attempt: one loop that seals queued buffers into blocks and hands
/// them to the storage writers in order while the owner fills the next buffers. A block gives back
/// its quota slot once handed over, and its buffer once the storage writer is done with it (at once
/// for a file system; after the upload of its part on S3), whether the write succeeded, failed or
/// was cancelled. With encryption on it owns the attempt's cipher (one per attempt: the loop is its
/// only user).
/// <para>
/// The loop numbers files itself: a partition's next file starts when the attempt rolls over (the
/// max file size) or when a flush (<see cref="RequestFlush"/>) completes the files whose storage
/// writers hold blocks they cannot send yet (an S3 part below the part size). Flushing needs no
/// memory, only I/O, which is what lets an attempt waiting for memory always get some back.
/// </para>
/// </summary>
internal sealed class SinkFileWriter
{
    private readonly IExchangeStorage _storage;
    private readonly ExchangeLayout _layout;
    private readonly SinkAttemptId _attempt;
    private readonly BufferPool _pool;
    private readonly SemaphoreSlim _quota;
    private readonly BlockCipher? _cipher;
    private readonly BlockSealer _sealer;
    private readonly Channel<PendingBlock> _queue = Channel.CreateUnbounded<PendingBlock>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _cancel = new();
    private readonly Dictionary<int, OpenFile> _openFiles = [];
    /// <summary>The index the next file of each partition gets.</summary>
    private readonly Dictionary<int, int> _nextFileIndex = [];
    private readonly bool _mayFlush;
    private readonly List<ManifestFile> _files = [];
    private readonly Task _loop;
    private volatile Exception? _failure;

    public SinkFileWriter(SpoolContext context, ExchangeSpec exchange, SinkAttemptId attempt, SemaphoreSlim quota)
    {
        _storage = context.Storage;
        _layout = context.Layout;
        _attempt = attempt;
        _pool = context.Pool;
        _quota = quota;
        _cipher = context.Keys?.CreateCipher(context.Keys.CurrentKeyId, exchange);
        _sealer = new BlockSealer(_pool, context.Options.Compression, _cipher);
        // Order within a partition is kept by keeping it in one file.
        _mayFlush = !exchange.PreserveOrder;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The first write failure; once set, later blocks are dropped and the attempt must fail.</summary>
    public Exception? Failure => _failure;

    public void Enqueue(PendingBlock block)
    {
        if (!_queue.Writer.TryWrite(block))
            Recycle(block.Buffer!);
    }

    /// <summary>
    /// Asks the loop to complete, once it has written what is queued, every file whose storage writer
    /// holds blocks it cannot send yet, so that their memory goes back (files of an order-preserving
    /// exchange excepted: they cannot be split).
    /// </summary>
    public void RequestFlush()
    {
        if (_mayFlush)
            _queue.Writer.TryWrite(PendingBlock.Flush);
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

    /// <summary>
    /// Stops writing without a storage request of its own: drops queued blocks, cancels the requests
    /// under way and abandons the open files, so every buffer is back in the pool when it returns.
    /// Removing what the open files sent is <see cref="AbortFilesAsync"/>'s.
    /// </summary>
    public async Task StopAsync()
    {
        _queue.Writer.TryComplete();
        await _cancel.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        foreach (var file in _openFiles.Values)
            await file.Writer.AbandonAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// After <see cref="StopAsync"/>: aborts the files left open (an S3 multipart upload, a partly
    /// written file), each even when another fails; deleting the attempt's directory follows and
    /// removes what an abort left.
    /// </summary>
    public async Task AbortFilesAsync()
    {
        foreach (var file in _openFiles.Values)
        {
            try
            {
                await file.Writer.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SpoolException)
            {
            }
        }
        _openFiles.Clear();
    }

    private async Task RunAsync()
    {
        await foreach (var block in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                if (_failure is null && !_cancel.IsCancellationRequested)
                {
                    if (block.Buffer is null)
                        await FlushAsync(_cancel.Token).ConfigureAwait(false);
                    else
                        await WriteAsync(block, _cancel.Token).ConfigureAwait(false);
                }
                else if (block.Buffer is not null)
                    _pool.Return(block.Buffer);
            }
            catch (Exception e)
            {
                _failure ??= e switch
                {
                    OperationCanceledException => e,
                    SpoolException spool => spool.While($"{_attempt} was writing partition {block.Partition?.PartitionId}"),
                    _ => new SpoolException(SpoolErrorReason.StorageUnavailable, $"{_attempt} was writing partition {block.Partition?.PartitionId}: {e.Message}", e),
                };
            }
            finally
            {
                if (block.Buffer is not null)
                    _quota.Release();
            }
        }
        _cipher?.Dispose();
    }

    /// <summary>Completes the files whose writers hold blocks; their partitions' next blocks start new files.</summary>
    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var (partitionId, file) in _openFiles.Where(entry => entry.Value.Writer.HeldBytes > 0).ToArray())
        {
            await CompleteFileAsync(file, cancellationToken).ConfigureAwait(false);
            _openFiles.Remove(partitionId);
        }
    }

    /// <summary>Seals the block and hands it to its file's writer, which from then on owns its buffer.</summary>
    private async ValueTask WriteAsync(PendingBlock block, CancellationToken cancellationToken)
    {
        var buffer = block.Buffer!;
        OpenFile file;
        try
        {
            file = await FileForAsync(block, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _pool.Return(buffer);
            throw;
        }
        var dataLength = buffer.Length;
        var pageCount = buffer.PageCount;
        var sealedBlock = _sealer.Seal(buffer, (uint)file.BlockCount, file.Binding, file.BlockCount == 0);
        // Compressed bytes live in the scratch buffer alone: the sealed one is free at once.
        var holder = buffer;
        if (sealedBlock.Scratch is { } scratch)
        {
            _pool.Return(buffer);
            holder = scratch;
        }
        await file.Writer.WriteAsync(new StorageBlock(_pool, holder, sealedBlock.Bytes), cancellationToken).ConfigureAwait(false);
        file.StoredSize += sealedBlock.Bytes.Length;
        file.DataSize += dataLength;
        file.PageCount += pageCount;
        file.BlockCount++;
    }

    /// <summary>The partition's open file for the block, after completing the one it rolls over from.</summary>
    private async ValueTask<OpenFile> FileForAsync(PendingBlock block, CancellationToken cancellationToken)
    {
        var partitionId = block.Partition!.PartitionId;
        if (_openFiles.TryGetValue(partitionId, out var file))
        {
            if (file.RollOverIndex == block.FileIndex)
                return file;
            await CompleteFileAsync(file, cancellationToken).ConfigureAwait(false);
            _openFiles.Remove(partitionId);
        }
        var fileIndex = _nextFileIndex.GetValueOrDefault(partitionId);
        _nextFileIndex[partitionId] = fileIndex + 1;
        var path = _layout.DataFile(_attempt.Exchange, _attempt.SinkId, _attempt.AttemptId, partitionId, fileIndex);
        var binding = new SpoolFileBinding(SpoolFileHeader.Create(_cipher?.KeyId),
            new SpoolFilePlace(_attempt.SinkId, _attempt.AttemptId, partitionId, fileIndex));
        file = new OpenFile(binding, block.FileIndex, await _storage.CreateFileAsync(path, cancellationToken).ConfigureAwait(false));
        _openFiles[partitionId] = file;
        return file;
    }

    /// <summary>
    /// The caller forgets the file only once this succeeded: a file whose completion failed may still
    /// hold blocks (an S3 part whose upload failed), which only <see cref="StopAsync"/> gives back.
    /// </summary>
    private async ValueTask CompleteFileAsync(OpenFile file, CancellationToken cancellationToken)
    {
        await file.Writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        await file.Writer.DisposeAsync().ConfigureAwait(false);
        var place = file.Binding.Place;
        _files.Add(new ManifestFile(place.PartitionId, place.FileIndex, file.StoredSize, file.DataSize, file.PageCount, file.BlockCount,
            file.Binding.Header.NonceSeed));
    }

    private void Recycle(SpoolBuffer buffer)
    {
        _pool.Return(buffer);
        _quota.Release();
    }

    /// <param name="rollOverIndex">The attempt's file number for the partition (<see cref="PendingBlock.FileIndex"/>): a block with another one starts a new file.</param>
    private sealed class OpenFile(SpoolFileBinding binding, int rollOverIndex, IStorageFileWriter writer)
    {
        public SpoolFileBinding Binding { get; } = binding;
        public int RollOverIndex { get; } = rollOverIndex;
        public IStorageFileWriter Writer { get; } = writer;
        public long StoredSize { get; set; }
        public long DataSize { get; set; }
        public long PageCount { get; set; }
        public int BlockCount { get; set; }
    }
}
