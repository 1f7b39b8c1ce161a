namespace ExchangeSpool.Core.Storage;

/// <summary>
/// Writes one object of an object store in parts. Until a part is full nothing is sent, so a file
/// smaller than one part is a single upload at completion. Past that each part (the blocks taken
/// until they reach the part size) is uploaded while the next one fills, with at most
/// <see cref="MaxPartsInFlight"/> uploading, so one writer holds at most
/// (<see cref="MaxPartsInFlight"/> + 1) parts, each at most one block over the part size. The parts
/// are the sink's blocks themselves (<see cref="PartBuffer"/>), charged to the memory budget until
/// uploaded; completion commits the parts in order. Abandoning a writer gives back every block it
/// holds; disposing one that did not complete abandons it, then aborts it. A backend supplies the requests.
/// </summary>
/// <typeparam name="TPart">What the store answers for an uploaded part and needs again to commit it (an ETag, a block id).</typeparam>
public abstract class PartedFileWriter<TPart>(long partSize) : IStorageFileWriter
{
    /// <summary>Two parts on the wire keep a writer busy while a third fills; more would only add memory.</summary>
    public const int MaxPartsInFlight = 2;

    private readonly Queue<Task<TPart>> _inFlight = new();
    private readonly List<TPart> _uploaded = [];
    private readonly CancellationTokenSource _cancel = new();
    private PartBuffer _filling = new();
    private bool _partsBegun;
    private bool _completed;
    private bool _abandoned;
    private bool _disposed;

    /// <summary>The whole file in one request: the file never filled a part.</summary>
    protected abstract Task UploadWholeAsync(PartBuffer content, CancellationToken cancellationToken);

    /// <summary>Called once, before the first part (S3 creates its multipart upload here).</summary>
    protected virtual Task BeginPartsAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Uploads part <paramref name="partNumber"/> (from 1); runs while the caller goes on writing.</summary>
    protected abstract Task<TPart> UploadPartAsync(PartBuffer part, int partNumber, CancellationToken cancellationToken);

    /// <summary>Makes the file visible from its parts, given in part order.</summary>
    protected abstract Task CommitPartsAsync(IReadOnlyList<TPart> parts, CancellationToken cancellationToken);

    /// <summary>Removes what an incomplete writer left; best effort, as deleting the attempt's prefix follows every abort.</summary>
    protected abstract Task AbortAsync();

    /// <summary>Copies <paramref name="data"/>: for callers outside the sink path, whose bytes no budget counts.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        WriteAsync(new StorageBlock(data.ToArray()), cancellationToken);

    /// <summary>Takes the sink's block itself, no copy: it stays charged to the memory budget until its part is uploaded.</summary>
    public async ValueTask WriteAsync(StorageBlock block, CancellationToken cancellationToken)
    {
        _filling.Append(block);
        if (_filling.Length >= partSize)
            await SendFullPartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The part still filling: what completing the file now would send and give back.</summary>
    public long HeldBytes => _filling.Length;

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (!_partsBegun)
        {
            await UploadWholeAsync(_filling, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            if (_filling.Length > 0)
                StartPart();
            while (_inFlight.Count > 0)
                await TakeOldestPartAsync(cancellationToken).ConfigureAwait(false);
            await CommitPartsAsync(_uploaded, cancellationToken).ConfigureAwait(false);
        }
        _completed = true;
    }

    public async ValueTask AbandonAsync()
    {
        if (_abandoned)
            return;
        _abandoned = true;
        await _cancel.CancelAsync().ConfigureAwait(false);
        while (_inFlight.TryDequeue(out var part))
        {
            try
            {
                await part.ConfigureAwait(false);
            }
            catch
            {
                // Failed or cancelled: the abort that follows removes whatever the part left behind.
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
        if (!_completed)
            await AbortAsync().ConfigureAwait(false);
        _cancel.Dispose();
        GC.SuppressFinalize(this);
    }

    private async ValueTask SendFullPartAsync(CancellationToken cancellationToken)
    {
        if (!_partsBegun)
        {
            await BeginPartsAsync(cancellationToken).ConfigureAwait(false);
            _partsBegun = true;
        }
        // The oldest upload finishes first as a rule; waiting for it bounds the memory and surfaces its failure.
        while (_inFlight.Count >= MaxPartsInFlight)
            await TakeOldestPartAsync(cancellationToken).ConfigureAwait(false);
        StartPart();
    }

    /// <summary>
    /// Takes the oldest part once its upload ended (its failure is thrown here, once); a part still
    /// uploading when the wait is cancelled stays in flight, for <see cref="AbandonAsync"/> to wait for.
    /// </summary>
    private async ValueTask TakeOldestPartAsync(CancellationToken cancellationToken)
    {
        var oldest = _inFlight.Peek();
        try
        {
            _uploaded.Add(await oldest.WaitAsync(cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            if (oldest.IsCompleted)
                _ = _inFlight.Dequeue();
        }
    }

    private void StartPart()
    {
        var part = _filling;
        _filling = new PartBuffer();
        var partNumber = _uploaded.Count + _inFlight.Count + 1;
        _inFlight.Enqueue(UploadAndReleaseAsync(part, partNumber));
    }

    /// <summary>Runs on the writer's own token: a part keeps uploading while the caller moves on, until the writer is disposed.</summary>
    private async Task<TPart> UploadAndReleaseAsync(PartBuffer part, int partNumber)
    {
        try
        {
            return await UploadPartAsync(part, partNumber, _cancel.Token).ConfigureAwait(false);
        }
        finally
        {
            part.Dispose();
        }
    }
}
