using System.Diagnostics.Metrics;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Storage.Local;

namespace ExchangeSpool.Core.Tests.Support;

/// <summary>
/// The local storage through an outage the test begins and ends, shaped like the full Ceph gateway
/// that paused every write: while it lasts a commit manifest cannot be written (STORAGE_UNAVAILABLE,
/// as a PUT that timed out) and every clean-up request waits until it ends: deleting a directory or
/// a file, and aborting a file its writer did not complete (on S3 an AbortMultipartUpload). Reads and
/// data writes go through, so a test controls exactly which step meets the outage.
/// </summary>
/// <param name="testGuard">Ends a held request if the test hangs, so the run goes on.</param>
/// <param name="writersKeepBlocks">Whether file writers keep what they are given until the file completes (as on S3) instead of writing it at once.</param>
public sealed class OutageStorage(LocalExchangeStorage inner, CancellationToken testGuard, bool writersKeepBlocks = false) : IExchangeStorage
{
    private TaskCompletionSource _outageEnded = Ended();
    private int _heldRequests;

    public LocalExchangeStorage Local => inner;

    /// <summary>Clean-up requests waiting for the outage to end now.</summary>
    public int HeldRequests => Volatile.Read(ref _heldRequests);

    /// <summary>Begins the outage; disposing what it returns ends it, and the held requests go on.</summary>
    public IDisposable Begin()
    {
        var outage = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _outageEnded, outage);
        return new OutageEnd(outage);
    }

    private bool InOutage => !Volatile.Read(ref _outageEnded).Task.IsCompleted;

    public string Kind => inner.Kind;

    public IReadOnlyList<string> BaseDirectories => inner.BaseDirectories;

    public IReadOnlyList<Meter> Meters => inner.Meters;

    public async ValueTask<IStorageFileWriter> CreateFileAsync(StoragePath path, CancellationToken cancellationToken) =>
        new OutageWriter(this, await inner.CreateFileAsync(path, cancellationToken).ConfigureAwait(false), writersKeepBlocks);

    public ValueTask<IStorageFileReader> OpenFileAsync(StoragePath path, CancellationToken cancellationToken) => inner.OpenFileAsync(path, cancellationToken);

    public ValueTask<bool> WriteAtomicAsync(StoragePath path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        InOutage && path.RelativePath.EndsWith("/commit", StringComparison.Ordinal)
            ? throw new SpoolException(SpoolErrorReason.StorageUnavailable, $"PUT {path} timed out: the test's storage outage")
            : inner.WriteAtomicAsync(path, content, cancellationToken);

    public ValueTask<byte[]?> ReadSmallFileAsync(StoragePath path, int maxLength, CancellationToken cancellationToken) =>
        inner.ReadSmallFileAsync(path, maxLength, cancellationToken);

    public async ValueTask DeleteDirectoryAsync(StoragePath path, CancellationToken cancellationToken)
    {
        await WhileInOutageAsync().ConfigureAwait(false);
        await inner.DeleteDirectoryAsync(path, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DeleteFileAsync(StoragePath path, CancellationToken cancellationToken)
    {
        await WhileInOutageAsync().ConfigureAwait(false);
        await inner.DeleteFileAsync(path, cancellationToken).ConfigureAwait(false);
    }

    public IAsyncEnumerable<StorageEntry> ListAsync(StoragePath directory, CancellationToken cancellationToken) => inner.ListAsync(directory, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private sealed class OutageEnd(TaskCompletionSource outage) : IDisposable
    {
        public void Dispose() => outage.TrySetResult();
    }

    private static TaskCompletionSource Ended()
    {
        var ended = new TaskCompletionSource();
        ended.SetResult();
        return ended;
    }

    private async Task WhileInOutageAsync()
    {
        var outage = Volatile.Read(ref _outageEnded).Task;
        if (outage.IsCompleted)
            return;
        Interlocked.Increment(ref _heldRequests);
        try
        {
            await outage.WaitAsync(testGuard).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _heldRequests);
        }
    }

    /// <summary>
    /// A local file writer whose abort (disposing it before it completed) waits for the outage to end.
    /// One that keeps blocks holds them, charged to the memory budget, until the file completes, as an
    /// S3 writer holds the part that fills; its completion fails during an outage (the last part's
    /// upload timed out) with the blocks still held, which only abandoning the writer gives back.
    /// </summary>
    private sealed class OutageWriter(OutageStorage storage, IStorageFileWriter inner, bool keepsBlocks) : IStorageFileWriter
    {
        private readonly List<StorageBlock> _kept = [];
        private bool _completed;

        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => inner.WriteAsync(data, cancellationToken);

        public ValueTask WriteAsync(StorageBlock block, CancellationToken cancellationToken)
        {
            if (!keepsBlocks)
                return inner.WriteAsync(block, cancellationToken);
            _kept.Add(block);
            return ValueTask.CompletedTask;
        }

        public long HeldBytes => _kept.Sum(block => (long)block.Length);

        public async ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            if (_kept.Count > 0 && storage.InOutage)
                throw new SpoolException(SpoolErrorReason.StorageUnavailable, "the upload of the file's last part timed out: the test's storage outage");
            foreach (var block in _kept)
                await inner.WriteAsync(block.Bytes, cancellationToken).ConfigureAwait(false);
            await AbandonAsync().ConfigureAwait(false);
            await inner.CompleteAsync(cancellationToken).ConfigureAwait(false);
            _completed = true;
        }

        public ValueTask AbandonAsync()
        {
            _kept.ForEach(block => block.Dispose());
            _kept.Clear();
            return inner.AbandonAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await AbandonAsync().ConfigureAwait(false);
            if (!_completed)
                await storage.WhileInOutageAsync().ConfigureAwait(false);
            await inner.DisposeAsync().ConfigureAwait(false);
        }
    }
}
