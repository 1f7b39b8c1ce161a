using ExchangeSpool.Protocol;

namespace ExchangeSpool.Client;

/// <summary>
/// The coordinator's side of one exchange. It keeps the small state the server does not: the sinks
/// and, per sink, the first attempt reported finished (the one whose data is read).
/// </summary>
public sealed class SpoolExchange : IAsyncDisposable
{
    private readonly SpoolClient _client;
    private readonly Dictionary<int, int> _winners = [];
    private readonly HashSet<int> _sinks = [];
    private bool _noMoreSinks;
    private bool _allRequiredSinksFinished;

    internal SpoolExchange(SpoolClient client, ExchangeDescriptor descriptor)
    {
        _client = client;
        Descriptor = descriptor;
    }

    public ExchangeDescriptor Descriptor { get; }

    public string ExchangeId => Descriptor.Exchange.ExchangeId;

    public SpoolSinkHandle AddSink(int taskPartitionId)
    {
        lock (_winners)
        {
            if (_noMoreSinks)
                throw new InvalidOperationException($"exchange {ExchangeId}: AddSink after NoMoreSinks");
            _sinks.Add(taskPartitionId);
        }
        return new SpoolSinkHandle(taskPartitionId);
    }

    public void NoMoreSinks()
    {
        lock (_winners)
            _noMoreSinks = true;
    }

    public SpoolSinkInstanceHandle InstantiateSink(SpoolSinkHandle sink, int taskAttemptId) =>
        new(Descriptor, sink.TaskPartitionId, taskAttemptId);

    /// <summary>The first attempt reported for a sink wins; later reports of the same sink are ignored.</summary>
    public void SinkFinished(SpoolSinkHandle sink, int taskAttemptId)
    {
        lock (_winners)
        {
            if (!_sinks.Contains(sink.TaskPartitionId))
                throw new InvalidOperationException($"exchange {ExchangeId}: sink {sink.TaskPartitionId} was never added");
            _winners.TryAdd(sink.TaskPartitionId, taskAttemptId);
        }
    }

    public void AllRequiredSinksFinished()
    {
        lock (_winners)
            _allRequiredSinksFinished = true;
    }

    /// <summary>The winning attempt of each sink reported finished so far.</summary>
    public IReadOnlyDictionary<int, int> Winners
    {
        get { lock (_winners) return new Dictionary<int, int>(_winners); }
    }

    /// <summary>Plans the source handles of every winner on the server, batch by batch.</summary>
    public async IAsyncEnumerable<SpoolSourceHandleBatch> GetSourceHandlesAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = new PlanSourceHandlesRequest { Exchange = Descriptor };
        lock (_winners)
        {
            if (!_allRequiredSinksFinished)
                throw new InvalidOperationException($"exchange {ExchangeId}: source handles are planned after AllRequiredSinksFinished");
            foreach (var (sink, attempt) in _winners.OrderBy(w => w.Key))
                request.Winners.Add(new WinningAttempt { SinkId = sink, AttemptId = attempt });
        }
        using var call = _client.CallInvoker.AsyncServerStreamingCall(ExchangeSpoolMethods.PlanSourceHandles, null, _client.ControlCall(cancellationToken), request);
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var batch = call.ResponseStream.Current;
            yield return new SpoolSourceHandleBatch(batch.Handles.Select(h => new SpoolSourceHandle(Descriptor, h)).ToArray(), batch.LastBatch);
        }
    }

    /// <summary>Deletes everything the exchange wrote.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default) =>
        await _client.UnaryAsync(ExchangeSpoolMethods.CloseExchange,
            new CloseExchangeRequest { Exchange = Descriptor.Exchange }, cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);
}
