using System.Collections.Concurrent;
using ExchangeSpool.Protocol;
using Google.Protobuf;
using Grpc.Core;

namespace ExchangeSpool.Client;

/// <summary>
/// A worker's source: handles (of any exchanges) are read through ReadSource streams once the
/// final output selector has arrived, pages are queued up to <see cref="SpoolClientOptions.SourceBufferSize"/>,
/// and <see cref="Read"/> hands them out one at a time without blocking.
/// </summary>
public sealed class SpoolSource : IAsyncDisposable
{
    private readonly SpoolClient _client;
    private readonly object _lock = new();
    private readonly List<SpoolSourceHandle> _pending = [];
    private readonly ConcurrentQueue<byte[]> _pages = new();
    private readonly CancellationTokenSource _closed = new();
    private readonly SemaphoreSlim _wakeReader = new(0);
    private readonly SemaphoreSlim _roomForPages = new(0);
    private TaskCompletionSource _pageAvailable = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private OutputSelector? _selector;
    private bool _noMoreHandles;
    private bool _readerDone;
    private Exception? _failure;
    private long _bufferedBytes;
    private Task? _reader;

    internal SpoolSource(SpoolClient client) => _client = client;

    public long MemoryUsage => Interlocked.Read(ref _bufferedBytes);

    public void AddSourceHandles(IEnumerable<SpoolSourceHandle> handles)
    {
        lock (_lock)
            _pending.AddRange(handles);
        _wakeReader.Release();
    }

    public void NoMoreSourceHandles()
    {
        lock (_lock)
            _noMoreHandles = true;
        _wakeReader.Release();
    }

    /// <summary>Keeps the highest version; reading starts with the final one.</summary>
    public void SetOutputSelector(OutputSelector selector)
    {
        lock (_lock)
        {
            if (_selector is not null && _selector.Version >= selector.Version)
                return;
            _selector = selector;
            if (selector.IsFinal)
                _reader ??= Task.Run(ReadLoopAsync);
        }
        _wakeReader.Release();
    }

    /// <summary>Completed when a page is ready, the source finished or failed.</summary>
    public Task IsBlocked()
    {
        lock (_lock)
        {
            if (!_pages.IsEmpty || _readerDone)
                return Task.CompletedTask;
            if (_pageAvailable.Task.IsCompleted)
                _pageAvailable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _pageAvailable.Task;
        }
    }

    public bool IsFinished
    {
        get { lock (_lock) return _readerDone && _pages.IsEmpty && _failure is null; }
    }

    /// <summary>The next page exactly as one Add wrote it, or null when none is ready. Throws what failed the source.</summary>
    public byte[]? Read()
    {
        if (_pages.TryDequeue(out var page))
        {
            Interlocked.Add(ref _bufferedBytes, -page.Length);
            _roomForPages.Release();
            return page;
        }
        lock (_lock)
        {
            if (_failure is not null)
                throw new InvalidOperationException($"exchange source failed: {_failure.Message}", _failure);
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _closed.CancelAsync().ConfigureAwait(false);
        if (_reader is not null)
            await _reader.ConfigureAwait(false);
        _pages.Clear();
        Interlocked.Exchange(ref _bufferedBytes, 0);
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                List<SpoolSourceHandle> batch;
                bool noMore;
                lock (_lock)
                {
                    batch = [.. _pending];
                    _pending.Clear();
                    noMore = _noMoreHandles;
                }
                if (batch.Count > 0)
                    await ReadHandlesAsync(batch).ConfigureAwait(false);
                else if (noMore)
                    break;
                else
                    await _wakeReader.WaitAsync(_closed.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException or InvalidDataException)
        {
            if (!_closed.IsCancellationRequested)
                lock (_lock)
                    _failure = e;
        }
        finally
        {
            lock (_lock)
            {
                _readerDone = true;
                _pageAvailable.TrySetResult();
            }
        }
    }

    private async Task ReadHandlesAsync(List<SpoolSourceHandle> handles)
    {
        using var call = _client.CallInvoker.AsyncServerStreamingCall(ReceivedPages.ReadSource, null,
            new CallOptions(cancellationToken: _closed.Token), ToRequest(handles));
        while (await call.ResponseStream.MoveNext(_closed.Token).ConfigureAwait(false))
        {
            var received = call.ResponseStream.Current;
            foreach (var page in received.Pages)
                _pages.Enqueue(page);
            Interlocked.Add(ref _bufferedBytes, received.Bytes);
            lock (_lock)
                _pageAvailable.TrySetResult();
            while (Interlocked.Read(ref _bufferedBytes) > _client.Options.SourceBufferSize)
                await _roomForPages.WaitAsync(_closed.Token).ConfigureAwait(false);
        }
    }

    private ReadSourceRequest ToRequest(List<SpoolSourceHandle> handles)
    {
        var request = new ReadSourceRequest();
        var indexes = new Dictionary<string, int>();
        OutputSelector selector;
        lock (_lock)
            selector = _selector!;
        foreach (var handle in handles)
        {
            if (!indexes.TryGetValue(handle.ExchangeId, out var index))
            {
                index = indexes[handle.ExchangeId] = request.Exchanges.Count;
                var selected = selector.Values.TryGetValue(handle.ExchangeId, out var values)
                    ? ByteString.CopyFrom((byte[])(Array)values)
                    : ByteString.Empty;
                request.Exchanges.Add(new SourceExchange { Exchange = handle.Exchange, SelectedAttempts = selected });
            }
            var message = handle.Handle.Clone();
            message.ExchangeIndex = index;
            request.Handles.Add(message);
        }
        return request;
    }
}
