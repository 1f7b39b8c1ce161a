using System.Threading.Channels;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Encryption;
using ExchangeSpool.Core.Format;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Core.Sinks;

/// <summary>
/// The storage side of a sink attempt: one loop that seals queued buffers into blocks and writes
/// them in order while the owner fills the next buffers. Every buffer it takes goes back to the pool
/// and gives back its quota slot, whether the write succeeded, failed or was cancelled. With
/// encryption on it owns the attempt's cipher (one per attempt: the loop is its only user).
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
                    : new SpoolException(SpoolErrorReason.StorageUnavailable, $"writing {_attempt} to storage failed: {e.Message}", e);
            }
            finally
            {
                Recycle(block.Buffer);
            }
        }
        _cipher?.Dispose();
    }

    private async ValueTask WriteAsync(PendingBlock block, CancellationToken cancellationToken)
    {
        var partitionId = block.Partition.PartitionId;
        if (!_openFiles.TryGetValue(partitionId, out var file) || file.FileIndex != block.FileIndex)
        {
            if (file is not null)
                await CompleteFileAsync(file, cancellationToken).ConfigureAwait(false);
            var path = _layout.DataFile(_attempt.Exchange, _attempt.SinkId, _attempt.AttemptId, partitionId, block.FileIndex);
            var binding = new SpoolFileBinding(SpoolFileHeader.Create(_cipher?.KeyId),
                new SpoolFilePlace(_attempt.SinkId, _attempt.AttemptId, partitionId, block.FileIndex));
            file = new OpenFile(binding, await _storage.CreateFileAsync(path, cancellationToken).ConfigureAwait(false));
            _openFiles[partitionId] = file;
        }
        var dataLength = block.Buffer.Length;
        var pageCount = block.Buffer.PageCount;
        var sealedBlock = _sealer.Seal(block.Buffer, block.BlockIndex, file.Binding, file.BlockCount == 0);
        try
        {
            await file.Writer.WriteAsync(sealedBlock.Bytes, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (sealedBlock.Scratch is { } scratch)
                _pool.Return(scratch);
        }
        file.StoredSize += sealedBlock.Bytes.Length;
        file.DataSize += dataLength;
        file.PageCount += pageCount;
        file.BlockCount++;
    }

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

    private sealed class OpenFile(SpoolFileBinding binding, IStorageFileWriter writer)
    {
        public SpoolFileBinding Binding { get; } = binding;
        public int FileIndex => Binding.Place.FileIndex;
        public IStorageFileWriter Writer { get; } = writer;
        public long StoredSize { get; set; }
        public long DataSize { get; set; }
        public long PageCount { get; set; }
        public int BlockCount { get; set; }
    }
}
