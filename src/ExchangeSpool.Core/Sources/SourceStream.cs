using System.Runtime.ExceptionServices;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Format;

namespace ExchangeSpool.Core.Sources;

/// <summary>A file a source reads: its exchange (whose salt its key derives from), its attempt and its manifest entry.</summary>
internal sealed record ResolvedFile(ExchangeSpec Exchange, int SinkId, int AttemptId, ManifestFile Entry);

/// <summary>
/// The reading of one source stream. Lanes (as many as <c>exchange.source-concurrent-readers</c>)
/// each read one file at a time front to back into a queue of verified blocks, which the consumer
/// sends one after the other. A lane needs a read-ahead slot for each block it reads and the
/// consumer frees the slot when it takes the block, so a stream holds at most that many blocks plus
/// the one being sent.
/// While the consumer has been stalled on a send for the stall time and others wait for memory,
/// the queued blocks are reclaimed: dropped, each file they came from set back to its first dropped
/// block, reads under way abandoned, and the lanes paused until the consumer has taken the block it
/// was sending; then they read those blocks again. A file's blocks still come out once each and in
/// file order.
/// </summary>
internal sealed class SourceStream : IReclaimable
{
    private readonly SpoolContext _context;
    private readonly int _fileCount;
    private readonly int _laneCount;
    private readonly object _lock = new();
    private readonly PriorityQueue<SourceFile, int> _unclaimed = new();
    private readonly Queue<ReadyBlock> _ready = new();
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _readyChanged = new(0);
    private readonly CancellationTokenSource _stop;
    private readonly List<CancellationTokenSource> _abandonedReads = [];
    private readonly List<Task> _lanes = [];
    private CancellationTokenSource _reads;
    private TaskCompletionSource? _resumed;
    private int _generation;
    private int _filesDone;
    private int _runningLanes;
    private bool _stopped;
    private long _sendingSince = long.MaxValue;
    private Exception? _failure;

    public SourceStream(SpoolContext context, IReadOnlyList<ResolvedFile> files, CancellationToken cancellationToken)
    {
        _context = context;
        _fileCount = files.Count;
        _laneCount = Math.Max(1, Math.Min(context.Options.SourceConcurrentReaders, files.Count));
        for (var i = 0; i < files.Count; i++)
            _unclaimed.Enqueue(new SourceFile(files[i], i), i);
        _slots = new SemaphoreSlim(_laneCount, _laneCount);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _reads = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
    }

    MemoryUse IReclaimable.Use => MemoryUse.ReadAhead;

    long IReclaimable.StalledSince => Volatile.Read(ref _sendingSince);

    /// <summary>
    /// Sends every block to <paramref name="emit"/>, whose payload is page frames [int32 length][payload];
    /// the buffer returns to the pool once emit completes. Throws what failed the first failed lane.
    /// </summary>
    public async Task RunAsync(Func<SpoolBuffer, CancellationToken, ValueTask> emit, CancellationToken cancellationToken)
    {
        _context.Reclaimer.Register(this);
        try
        {
            StartLanes();
            await SendAllAsync(emit, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (Volatile.Read(ref _failure) is not null)
        {
        }
        finally
        {
            _context.Reclaimer.Unregister(this);
            await StopAsync().ConfigureAwait(false);
        }
        if (Volatile.Read(ref _failure) is { } failure)
            ExceptionDispatchInfo.Throw(failure);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Drops the queued blocks of a stalled consumer and pauses the lanes until it has taken the block it is sending.</summary>
    long IReclaimable.Reclaim()
    {
        var dropped = new List<SpoolBuffer>();
        long bytes = 0;
        lock (_lock)
        {
            if (_stopped || _sendingSince == long.MaxValue || _resumed is not null)
                return 0;
            _generation++;
            _resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // Lanes waiting for memory leave the budget's queue; a block being read is dropped when it
            // arrives. Cancelled under the lock so that stopping cannot dispose it meanwhile; its
            // callbacks only complete tasks whose continuations run asynchronously.
            _reads.Cancel();
            _abandonedReads.Add(_reads);
            _reads = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            while (_ready.TryDequeue(out var ready))
            {
                RewindTo(ready);
                dropped.Add(ready.Block);
                bytes += ready.Block.Array.Length;
            }
        }
        if (dropped.Count > 0)
            _slots.Release(dropped.Count);
        foreach (var block in dropped)
            _context.Pool.Return(block);
        return bytes;
    }

    private async Task SendAllAsync(Func<SpoolBuffer, CancellationToken, ValueTask> emit, CancellationToken cancellationToken)
    {
        while (true)
        {
            _stop.Token.ThrowIfCancellationRequested();
            SpoolBuffer? block = null;
            lock (_lock)
            {
                if (_ready.TryDequeue(out var ready))
                {
                    block = ready.Block;
                    _sendingSince = _context.Reclaimer.Now;
                }
                else if (_filesDone == _fileCount)
                    return;
            }
            if (block is null)
            {
                await _readyChanged.WaitAsync(_stop.Token).ConfigureAwait(false);
                continue;
            }
            _slots.Release();
            try
            {
                // Only the caller cancels a send: a failing lane must not cut a message in half, or the
                // stream is reset instead of ending with the lane's data-loss status.
                await emit(block, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _context.Pool.Return(block);
                ResumeAfterSend();
            }
        }
    }

    /// <summary>The consumer took its block: the stream is moving again, and lanes paused by a reclaim read on.</summary>
    private void ResumeAfterSend()
    {
        TaskCompletionSource? resumed;
        lock (_lock)
        {
            _sendingSince = long.MaxValue;
            resumed = _resumed;
            _resumed = null;
        }
        if (resumed is null)
            return;
        StartLanes();
        resumed.SetResult();
    }

    /// <summary>Starts a lane for each unclaimed file, up to the lane count; a lane ends when no file is left to claim.</summary>
    private void StartLanes()
    {
        int starting;
        lock (_lock)
        {
            starting = Math.Min(_laneCount - _runningLanes, _unclaimed.Count);
            _runningLanes += starting;
        }
        for (var i = 0; i < starting; i++)
            _lanes.Add(Task.Run(() => RunLaneAsync(_stop.Token)));
    }

    private async Task RunLaneAsync(CancellationToken stop)
    {
        SourceFile? file = null;
        SpoolFileReader? reader = null;
        try
        {
            while (true)
            {
                if (PausedUntil() is { } resumed)
                    await resumed.WaitAsync(stop).ConfigureAwait(false);
                await _slots.WaitAsync(stop).ConfigureAwait(false);
                var start = TryStartRead(ref file, out var read);
                if (start != ReadStart.Started)
                {
                    _slots.Release();
                    if (start == ReadStart.NoFileLeft)
                        return;
                    continue;
                }
                var resolved = read.File.File;
                reader ??= await SpoolFileReader.OpenAsync(_context, resolved.Exchange, resolved.SinkId, resolved.AttemptId, resolved.Entry, stop)
                    .ConfigureAwait(false);
                if (reader.NextBlock != read.Start)
                    reader.Seek(read.Start);
                SpoolBuffer? block;
                try
                {
                    block = await reader.ReadBlockAsync(read.Abandoned).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (read.Abandoned.IsCancellationRequested && !stop.IsCancellationRequested)
                {
                    // Reclaimed while reading or waiting for memory: the reader may have stopped mid-block, so the next read opens the file afresh.
                    _slots.Release();
                    await reader.DisposeAsync().ConfigureAwait(false);
                    reader = null;
                    continue;
                }
                if (!TryFinishRead(read, block, reader.NextBlock))
                {
                    if (block is not null)
                        _context.Pool.Return(block);
                    _slots.Release();
                    continue;
                }
                if (block is null)
                {
                    _slots.Release();
                    await reader.DisposeAsync().ConfigureAwait(false);
                    reader = null;
                    file = null;
                }
                _readyChanged.Release();
            }
        }
        catch (Exception e) when (!(e is OperationCanceledException && stop.IsCancellationRequested))
        {
            // One damaged or unreadable file fails the whole read: stop the other lanes now.
            Interlocked.CompareExchange(ref _failure, e, null);
            await _stop.CancelAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            if (reader is not null)
                await reader.DisposeAsync().ConfigureAwait(false);
        }
    }

    private Task? PausedUntil()
    {
        lock (_lock)
            return _resumed?.Task;
    }

    /// <summary>Claims the next file if the lane has none, and says where to read, unless the stream is paused again or no file is left (which ends the lane).</summary>
    private ReadStart TryStartRead(ref SourceFile? file, out Read read)
    {
        lock (_lock)
        {
            read = default;
            if (_resumed is not null)
                return ReadStart.Paused;
            if (file is null && !_unclaimed.TryDequeue(out file, out _))
            {
                _runningLanes--;
                return ReadStart.NoFileLeft;
            }
            read = new Read(file, file.Next, _generation, _reads.Token);
            return ReadStart.Started;
        }
    }

    /// <summary>Queues a block (or marks its file done at its end) unless a reclaim since the read began dropped it.</summary>
    private bool TryFinishRead(Read read, SpoolBuffer? block, BlockMark next)
    {
        lock (_lock)
        {
            if (read.Generation != _generation)
                return false;
            var file = read.File;
            if (block is null)
            {
                file.Done = true;
                _filesDone++;
            }
            else
            {
                _ready.Enqueue(new ReadyBlock(block, file, read.Start));
                file.Next = next;
            }
            return true;
        }
    }

    /// <summary>Sets the file of a dropped block back to it; a file no lane holds any more is claimed again. Called under the lock.</summary>
    private void RewindTo(ReadyBlock dropped)
    {
        var file = dropped.File;
        if (dropped.Start.BlockIndex < file.Next.BlockIndex)
            file.Next = dropped.Start;
        if (file.Done)
        {
            file.Done = false;
            _filesDone--;
            _unclaimed.Enqueue(file, file.Order);
        }
    }

    private async Task StopAsync()
    {
        lock (_lock)
            _stopped = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_lanes).ConfigureAwait(false);
        lock (_lock)
        {
            while (_ready.TryDequeue(out var left))
                _context.Pool.Return(left.Block);
        }
        foreach (var abandoned in _abandonedReads)
            abandoned.Dispose();
        _reads.Dispose();
        _stop.Dispose();
    }

    private sealed class SourceFile(ResolvedFile file, int order)
    {
        public ResolvedFile File { get; } = file;

        /// <summary>Its place in the request: files are claimed in this order, a rewound one before any not read yet.</summary>
        public int Order { get; } = order;

        /// <summary>Where the next read of this file starts.</summary>
        public BlockMark Next { get; set; } = BlockMark.First;

        /// <summary>Every block is queued or sent.</summary>
        public bool Done { get; set; }
    }

    /// <summary>A verified block waiting for the consumer, and where its file must go back to if it is dropped.</summary>
    private readonly record struct ReadyBlock(SpoolBuffer Block, SourceFile File, BlockMark Start);

    private enum ReadStart { Started, Paused, NoFileLeft }

    /// <summary>A read a lane starts: which file, where, in which reclaim generation, and the token a reclaim abandons it with.</summary>
    private readonly record struct Read(SourceFile File, BlockMark Start, int Generation, CancellationToken Abandoned);
}
