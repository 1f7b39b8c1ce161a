using System.Buffers;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Cleanup;
using ExchangeSpool.Core.Format;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Core.Sinks;

/// <summary>
/// One sink attempt, owned by the stream that writes it: pages are copied into per-partition
/// buffers that grow with their data, sealed buffers are written by a <see cref="SinkFileWriter"/>
/// while the next ones fill, and the commit manifest is written last.
/// State machine: Open → Finishing → Committed, or Open/Finishing → Aborted. Only the owner moves
/// it; anyone else may only <see cref="RequestAbort"/>, which an attempt that began finishing
/// ignores, so an abort can never destroy committed data.
/// Between messages the attempt is idle: when others wait for memory and it has stayed idle for the
/// stall time, its partly filled buffers are sealed and written (<see cref="IReclaimable"/>), so an
/// idle sink holds no buffer the budget needs.
/// <para>
/// An aborted attempt (a failed finish, a broken stream, an abort) gives its buffers back before its
/// owner answers, and removes what it wrote from storage on the background clean-ups
/// (<see cref="SpoolContext.Cleanups"/>): its stream's answer never waits for a store that does not
/// answer. Until that clean-up ended the attempt stays registered, so a second stream for it is
/// refused as busy instead of writing files the clean-up then deletes, and its exchange stays in use.
/// </para>
/// </summary>
public sealed class SinkAttempt : IAsyncDisposable, IReclaimable
{
    private const int FrameHeaderSize = 8; // partition + length, on the wire

    private readonly SpoolContext _context;
    private readonly ExchangeSpec _exchange;
    private readonly PartitionSink?[] _partitions;
    private readonly SemaphoreSlim _quota;
    private readonly SinkFileWriter _writer;
    private readonly CancellationTokenSource _abortRequested = new();
    private readonly TaskCompletionSource<bool> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<bool> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<SinkAttempt> _onEnded;
    private readonly object _stateLock = new();
    /// <summary>Held by the owner to start filling and by a reclaim while it seals: the two never touch the partitions at once.</summary>
    private readonly object _fillLock = new();
    private long _idleSince = long.MaxValue;
    /// <summary>The owner until it disposes the attempt, plus the storage clean-up while it runs: the attempt has ended when both let go.</summary>
    private int _holders = 1;
    private int _disposed;
    private SinkAttemptState _state = SinkAttemptState.Open;
    private SpoolException? _abortReason;
    private SpoolBuffer? _reserved;
    private int _neededFrame;
    private int _neededCapacity;

    /// <param name="onEnded">Called once the owner disposed the attempt and its storage clean-up, if any, ended.</param>
    internal SinkAttempt(SpoolContext context, ExchangeSpec exchange, SinkAttemptId id, Action<SinkAttempt> onEnded)
    {
        _context = context;
        _exchange = exchange;
        Id = id;
        _onEnded = onEnded;
        _partitions = new PartitionSink?[exchange.PartitionCount];
        var options = context.Options;
        var bufferCount = Math.Max(exchange.PartitionCount * options.SinkBuffersPerPartition, options.SinkBufferPoolMinSize);
        _quota = new SemaphoreSlim(bufferCount, bufferCount);
        _writer = new SinkFileWriter(context, exchange, id, _quota);
        context.Reclaimer.Register(this);
    }

    public SinkAttemptId Id { get; }

    public SinkAttemptState State
    {
        get { lock (_stateLock) return _state; }
    }

    /// <summary>Fires when someone other than the owner asked to abort; the owner then calls <see cref="AbortAsync"/>.</summary>
    public CancellationToken AbortRequested => _abortRequested.Token;

    /// <summary>What the owner's stream fails with once <see cref="AbortRequested"/> fired: why the attempt was aborted.</summary>
    public SpoolException AbortFailure =>
        Volatile.Read(ref _abortReason) ?? new SpoolException(SpoolErrorReason.AttemptAborted, $"{Id} was aborted by an AbortSink call");

    /// <summary>
    /// Completes once the attempt committed (true), or aborted and gave its memory back (false): it can
    /// change no more. An aborted attempt's storage clean-up may still run (see <see cref="Completion"/>).
    /// </summary>
    public Task<bool> Outcome => _outcome.Task;

    /// <summary>
    /// Completes when the attempt ended and its files are dealt with: true once committed; false once
    /// aborted and its storage clean-up ended (what that clean-up could not delete stays as garbage
    /// for the exchange's deletion or the orphan sweeper).
    /// </summary>
    public Task<bool> Completion => _completion.Task;

    /// <summary>
    /// Adds a batch of <paramref name="pageCount"/> frames [int32 partition][int32 length][payload],
    /// little-endian. Waits (and so stops reading the stream) while the memory budget or the
    /// attempt's buffer quota is spent.
    /// </summary>
    public async ValueTask AddPagesAsync(ReadOnlySequence<byte> frames, int pageCount, CancellationToken cancellationToken)
    {
        EnsureOpen();
        SetIdleSince(long.MaxValue);
        long consumed = 0;
        var pages = 0;
        while (!TryAddFrames(frames, ref consumed, ref pages))
            await WaitForBufferAsync(cancellationToken).ConfigureAwait(false);
        if (pages != pageCount)
            throw SpoolException.InvalidArgument($"{Id}: the message says {pageCount} pages but carries {pages}");
        // Only after a message went in whole: a failed attempt is aborted by its owner, never reclaimed.
        SetIdleSince(_context.Reclaimer.Now);
    }

    /// <summary>
    /// Writes everything buffered, then the commit manifest. A closed exchange gains no commit: its
    /// tombstone is checked right before the manifest is written and again after it (a close may land
    /// in between, and then the commit is deleted). A failed finish gives its buffers back and throws;
    /// deleting what it wrote goes on in the background.
    /// </summary>
    public async Task<SinkCommit> FinishAsync(CancellationToken cancellationToken)
    {
        lock (_stateLock)
        {
            if (_state != SinkAttemptState.Open)
                throw new SpoolException(NotOpenReason(_state), $"{Id} cannot finish: it is {_state.ToString().ToLowerInvariant()}");
            _state = SinkAttemptState.Finishing;
        }
        LeaveReclaimer();
        var doing = "completing its files";
        try
        {
            SealAllPartitions();
            ReturnReserved();
            var files = await _writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
            doing = "checking that its exchange is not closed before committing";
            await _context.Tombstones.ThrowIfClosedAsync(Id.Exchange, NotCommitted, cancellationToken).ConfigureAwait(false);
            doing = "writing its commit manifest";
            var manifest = new CommitManifest(Id.SinkId, Id.AttemptId, files);
            if (!await _context.Storage.WriteAtomicAsync(ManifestPath, manifest.Serialize(), cancellationToken).ConfigureAwait(false))
                throw new SpoolException(SpoolErrorReason.AttemptBusy, $"{Id} was committed by another stream first");
            doing = "checking that its exchange was not closed while it committed";
            await _context.Tombstones.ThrowIfClosedAsync(Id.Exchange, NotCommitted, cancellationToken).ConfigureAwait(false);
            SetState(SinkAttemptState.Committed);
            _outcome.TrySetResult(true);
            _completion.TrySetResult(true);
            return new SinkCommit(files.Sum(f => f.PageCount), manifest.DataSize, files.Count);
        }
        catch (Exception e)
        {
            SetState(SinkAttemptState.Aborted);
            var closed = await _context.Tombstones.ExplainsAsync(Id.Exchange, e).ConfigureAwait(false);
            await EndAbortedAsync(closed).ConfigureAwait(false);
            if (closed && e is not SpoolException { Reason: SpoolErrorReason.ExchangeClosed })
                throw ExchangeTombstones.Closed(Id.Exchange, NotCommitted, e);
            // A storage failure says which request failed; this says what the attempt needed it for.
            if (e is SpoolException { Reason: SpoolErrorReason.StorageUnavailable or SpoolErrorReason.StorageFull } storage && e != _writer.Failure)
                throw storage.While($"{Id} was {doing}");
            throw;
        }
    }

    /// <summary>
    /// Aborts an open attempt: gives its buffers back and starts deleting what it wrote in the
    /// background; does nothing once it began finishing.
    /// </summary>
    public async Task AbortAsync()
    {
        lock (_stateLock)
        {
            if (_state != SinkAttemptState.Open)
                return;
            _state = SinkAttemptState.Aborted;
        }
        LeaveReclaimer();
        await EndAbortedAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Asks the owner to abort; ignored once finishing began. Safe from any thread. The first
    /// <paramref name="reason"/> given is what the owner's stream fails with (by default: aborted).
    /// </summary>
    public void RequestAbort(SpoolException? reason = null)
    {
        lock (_stateLock)
        {
            if (_state != SinkAttemptState.Open)
                return;
        }
        if (reason is not null)
            Interlocked.CompareExchange(ref _abortReason, reason, null);
        try
        {
            _abortRequested.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The owner ended the attempt since the state was read: there is nothing left to abort.
        }
    }

    /// <summary>Stops an attempt that never took a page, without deleting anything.</summary>
    internal async Task DiscardUnusedAsync()
    {
        SetState(SinkAttemptState.Aborted);
        _outcome.TrySetResult(false);
        LeaveReclaimer();
        await _writer.StopAsync().ConfigureAwait(false);
        _completion.TrySetResult(false);
        _abortRequested.Dispose();
    }

    /// <summary>Aborts the attempt unless it committed; it leaves the registry once its storage clean-up, if any, ended too.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        try
        {
            await AbortAsync().ConfigureAwait(false);
        }
        finally
        {
            LetGo();
        }
    }

    private void LetGo()
    {
        if (Interlocked.Decrement(ref _holders) > 0)
            return;
        _onEnded(this);
        _abortRequested.Dispose();
    }

    private string NotCommitted => $"{Id} was not committed and what it wrote is deleted";

    private StoragePath ManifestPath => _context.Layout.Manifest(Id.Exchange, Id.SinkId, Id.AttemptId);

    private bool TryAddFrames(ReadOnlySequence<byte> frames, ref long consumed, ref int pages)
    {
        var reader = new SequenceReader<byte>(frames.Slice(consumed));
        while (!reader.End)
        {
            if (!reader.TryReadLittleEndian(out int partitionId) || !reader.TryReadLittleEndian(out int length))
                throw SpoolException.InvalidArgument($"{Id}: page {pages} of the message has a truncated frame header");
            CheckPage(partitionId, length, reader.Remaining);
            var partition = _partitions[partitionId] ??= new PartitionSink(partitionId);
            var frameLength = PageFrames.FrameHeaderSize + length;
            RollOverIfFull(partition, frameLength);
            if (!TryMakeRoom(partition, frameLength))
                return false;
            var buffer = partition.Buffer!;
            var free = buffer.Free;
            PageFrames.WriteHeader(free, length);
            CopyPayload(ref reader, free.Slice(PageFrames.FrameHeaderSize, length));
            buffer.Length += frameLength;
            buffer.PageCount++;
            partition.FileDataSize += frameLength;
            consumed += FrameHeaderSize + length;
            pages++;
        }
        return true;
    }

    /// <summary>Copies the next <c>destination.Length</c> bytes; the span path avoids slicing the sequence per page.</summary>
    private static void CopyPayload(ref SequenceReader<byte> reader, Span<byte> destination)
    {
        var unread = reader.UnreadSpan;
        if (unread.Length >= destination.Length)
            unread[..destination.Length].CopyTo(destination);
        else
            reader.UnreadSequence.Slice(0, destination.Length).CopyTo(destination);
        reader.Advance(destination.Length);
    }

    private void CheckPage(int partitionId, int length, long remaining)
    {
        if ((uint)partitionId >= (uint)_partitions.Length)
            throw new SpoolException(SpoolErrorReason.PartitionOutOfRange, $"{Id}: partition {partitionId} is out of range [0, {_partitions.Length})");
        var maxPage = _context.Options.MaxPageStorageSize;
        if (length < 0 || length + (long)PageFrames.FrameHeaderSize > maxPage)
            throw new SpoolException(SpoolErrorReason.PageTooLarge,
                $"{Id}: a page of {length} bytes plus its 4-byte frame exceeds the max page storage size of {maxPage} bytes (exchange.max-page-storage-size)");
        if (length > remaining)
            throw SpoolException.InvalidArgument($"{Id}: a page frame claims {length} bytes but the message holds {remaining}");
    }

    /// <summary>Starts a new file when this page would push the current one past the max file size (never when order must be kept).</summary>
    private void RollOverIfFull(PartitionSink partition, int frameLength)
    {
        if (_exchange.PreserveOrder || partition.FileDataSize == 0
            || partition.FileDataSize + frameLength <= _context.Options.SinkMaxFileSize)
            return;
        if (partition.Buffer is { Length: > 0 })
            Seal(partition);
        partition.FileIndex++;
        partition.FileDataSize = 0;
    }

    /// <summary>Makes the partition's buffer able to take a frame without waiting; false when that needs a wait.</summary>
    private bool TryMakeRoom(PartitionSink partition, int frameLength)
    {
        if (partition.Buffer is { } buffer)
        {
            if (buffer.Remaining >= frameLength || (buffer.Length > 0 && TryGrow(partition, buffer, frameLength)))
                return true;
            if (buffer.Length > 0)
                Seal(partition);
            else
            {
                Recycle(buffer);
                partition.Buffer = null;
            }
        }
        if (_reserved is { } reserved && reserved.PayloadCapacity >= frameLength)
        {
            partition.Buffer = reserved;
            _reserved = null;
            return true;
        }
        ReturnReserved();
        var capacity = Math.Max(frameLength, partition.NextCapacity);
        if (_quota.Wait(0))
        {
            if (_context.Pool.TryRent(MemoryUse.SinkBuffers, frameLength, capacity, out var rented))
            {
                partition.Buffer = rented;
                return true;
            }
            _quota.Release();
        }
        _neededFrame = frameLength;
        _neededCapacity = capacity;
        return false;
    }

    /// <summary>Moves a full buffer that is still below the block size into one twice as large.</summary>
    private bool TryGrow(PartitionSink partition, SpoolBuffer buffer, int frameLength)
    {
        var capacity = _context.Pool.CapacityFor((int)Math.Min(
            Math.Max(buffer.Length + (long)frameLength, 2L * buffer.PayloadCapacity), _context.Pool.MaxPayloadSize));
        if (capacity > _context.BlockCapacity || capacity < buffer.Length + frameLength || !_context.Pool.TryRentSpare(MemoryUse.SinkBuffers, capacity, out var larger))
            return false;
        buffer.Payload.CopyTo(larger.Free);
        larger.Length = buffer.Length;
        larger.PageCount = buffer.PageCount;
        _context.Pool.Return(buffer);
        partition.Buffer = larger;
        return true;
    }

    /// <summary>
    /// Waits for a buffer slot and memory. Partly filled buffers are sealed first: they are what the
    /// writer can free, so waiting can never deadlock on memory this attempt holds itself.
    /// </summary>
    private async ValueTask WaitForBufferAsync(CancellationToken cancellationToken)
    {
        SealAllPartitions();
        await _quota.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_context.Pool.TryRent(MemoryUse.SinkBuffers, _neededFrame, _neededCapacity, out _reserved))
            {
                // Memory is short: blocks this attempt's storage writers hold back (S3 parts still
                // filling) go out now, so that what it waits for never depends on its own data.
                _writer.RequestFlush();
                _reserved = await _context.Pool.RentAsync(MemoryUse.SinkBuffers, _neededFrame, _neededCapacity, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            _quota.Release();
            throw;
        }
        ThrowIfWriterFailed();
    }

    /// <summary>
    /// The writer's failure, unless the attempt was asked to abort: a close deletes the uploads the
    /// writer is sending, and the stream should learn of the close, not of what it broke.
    /// </summary>
    private void ThrowIfWriterFailed()
    {
        if (_writer.Failure is { } failure)
            throw _abortRequested.IsCancellationRequested ? AbortFailure : failure;
    }

    private void Seal(PartitionSink partition)
    {
        var buffer = partition.Buffer!;
        partition.Buffer = null;
        partition.NextCapacity = Math.Min(buffer.PayloadCapacity, _context.BlockCapacity);
        _writer.Enqueue(new PendingBlock(partition, partition.FileIndex, buffer));
    }

    private void SealAllPartitions()
    {
        foreach (var partition in _partitions)
        {
            if (partition?.Buffer is { Length: > 0 })
                Seal(partition);
        }
    }

    MemoryUse IReclaimable.Use => MemoryUse.SinkBuffers;

    long IReclaimable.StalledSince => Volatile.Read(ref _idleSince);

    /// <summary>Seals every partly filled buffer and gives back the one kept for the next page, if the attempt is still idle.</summary>
    long IReclaimable.Reclaim()
    {
        lock (_fillLock)
        {
            if (_idleSince == long.MaxValue)
                return 0;
            long bytes = _reserved?.Array.Length ?? 0;
            foreach (var partition in _partitions)
            {
                if (partition?.Buffer is { Length: > 0 } buffer)
                    bytes += buffer.Array.Length;
            }
            SealAllPartitions();
            ReturnReserved();
            _writer.RequestFlush();
            return bytes;
        }
    }

    private void SetIdleSince(long timestamp)
    {
        lock (_fillLock)
            _idleSince = timestamp;
    }

    /// <summary>From finishing or aborting on the attempt is never idle again: only its owner touches its buffers.</summary>
    private void LeaveReclaimer()
    {
        SetIdleSince(long.MaxValue);
        _context.Reclaimer.Unregister(this);
    }

    private void ReturnReserved()
    {
        if (_reserved is { } reserved)
        {
            _reserved = null;
            Recycle(reserved);
        }
    }

    private void Recycle(SpoolBuffer buffer)
    {
        _context.Pool.Return(buffer);
        _quota.Release();
    }

    private static SpoolErrorReason NotOpenReason(SinkAttemptState state) =>
        state == SinkAttemptState.Aborted ? SpoolErrorReason.AttemptAborted : SpoolErrorReason.AttemptCommitted;

    private void EnsureOpen()
    {
        var state = State;
        if (state != SinkAttemptState.Open)
            throw new SpoolException(NotOpenReason(state), $"{Id} takes no more pages: it is {state.ToString().ToLowerInvariant()}");
        ThrowIfWriterFailed();
    }

    private void SetState(SinkAttemptState state)
    {
        lock (_stateLock)
            _state = state;
    }

    /// <summary>
    /// Gives every buffer back and stops the writer (its requests under way cancelled, nothing sent),
    /// then starts the storage clean-up in the background: the owner answers without waiting for a
    /// store that may not answer for minutes, and no memory waits for it.
    /// </summary>
    private async Task EndAbortedAsync(bool exchangeClosed = false)
    {
        try
        {
            foreach (var partition in _partitions)
            {
                if (partition?.Buffer is { } buffer)
                {
                    partition.Buffer = null;
                    Recycle(buffer);
                }
            }
            ReturnReserved();
            await _writer.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            _outcome.TrySetResult(false);
            Interlocked.Increment(ref _holders);
            _context.Cleanups.Run($"clean-up of aborted {Id}", token => CleanUpStorageAsync(exchangeClosed, token));
        }
    }

    /// <summary>
    /// Aborts the files the writer left open and deletes the attempt's directory, unless a manifest
    /// made it committed; in a closed exchange even then, and with it what else is left of the
    /// exchange (late attempts of other servers recreate directories the close already deleted).
    /// A failure is the clean-up's (the background clean-ups log it); what stays is garbage without a
    /// manifest, removed with the exchange.
    /// </summary>
    private async Task CleanUpStorageAsync(bool exchangeClosed, CancellationToken cancellationToken)
    {
        try
        {
            await _writer.AbortFilesAsync().ConfigureAwait(false);
            if (exchangeClosed || await _context.TryLoadManifestAsync(Id, cancellationToken).ConfigureAwait(false) is null)
                await _context.Storage.DeleteDirectoryAsync(_context.Layout.AttemptDirectory(Id.Exchange, Id.SinkId, Id.AttemptId), cancellationToken).ConfigureAwait(false);
            if (exchangeClosed)
                await DeleteRestOfClosedExchangeAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _completion.TrySetResult(false);
            LetGo();
        }
    }

    /// <summary>
    /// Best effort: other attempts of the exchange may still be writing (and will delete their own
    /// files), so a deletion that trips over them is left to them and to the closing server.
    /// </summary>
    private async Task DeleteRestOfClosedExchangeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _context.DeleteExchangeAsync(Id.Exchange, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SpoolException)
        {
        }
    }
}
