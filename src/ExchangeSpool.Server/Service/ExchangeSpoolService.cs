using System.Buffers;
using System.Reflection;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Planning;
using ExchangeSpool.Core.Sinks;
using ExchangeSpool.Core.Sources;
using ExchangeSpool.Protocol;
using ExchangeSpool.Server.Configuration;
using ExchangeSpool.Server.Metrics;
using Grpc.Core;

namespace ExchangeSpool.Server.Service;

/// <summary>
/// The ExchangeSpool gRPC service: each method checks its request, hands the work to the core and
/// maps the result back. No exchange state lives here. Failures leave as exceptions, which
/// <see cref="SpoolErrorInterceptor"/> turns into statuses.
/// </summary>
internal sealed class ExchangeSpoolService(
    SpoolContext context,
    SinkRegistry sinks,
    ExchangeLifecycle lifecycle,
    HandlePlanner planner,
    SourceReader sources,
    ExchangeDeletions deletions,
    ServerDrain drain,
    ServerOptions server,
    SpoolMetrics metrics)
{
    /// <summary>Handles a plan result carries per message, well below any message size limit.</summary>
    private const int HandlesPerBatch = 1000;

    private static readonly string Version =
        typeof(ExchangeSpoolService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private int _activeSources;

    /// <summary>ReadSource calls streaming now.</summary>
    public int ActiveSources => Volatile.Read(ref _activeSources);

    public Task<ServerInfo> GetServerInfo(GetServerInfoRequest request, ServerCallContext call) =>
        Task.FromResult(new ServerInfo
        {
            Version = Version,
            StorageKind = context.Storage.Kind,
            BaseDirectories = { context.Storage.BaseDirectories },
            MemoryLimitBytes = context.Budget.Limit,
            MemoryUsedBytes = context.Budget.Used - context.Pool.ParkedBytes,
            MaxOutputPartitionCount = context.Options.MaxOutputPartitionCount,
            MaxPageStorageSize = context.Options.MaxPageStorageSize,
            MaxMessageSize = server.MaxMessageSize,
            MaxStreamsPerConnection = server.MaxStreamsPerConnection,
            Serving = !drain.IsDraining,
            ActiveSinks = sinks.ActiveCount,
            ActiveSources = ActiveSources,
        });

    public Task<ExchangeDescriptor> CreateExchange(CreateExchangeRequest request, ServerCallContext call)
    {
        var key = ProtocolMapping.ToKey(request.Exchange);
        CallSubject.Record(call, key);
        drain.ThrowIfDraining($"to create exchange {key}");
        var spec = lifecycle.Create(key, request.PartitionCount, request.PreserveOrder);
        return Task.FromResult(ProtocolMapping.ToDescriptor(spec, lifecycle.StorageLocations(spec.Key), context.Options));
    }

    public async Task PlanSourceHandles(PlanSourceHandlesRequest request, IServerStreamWriter<SourceHandleBatch> responses, ServerCallContext call)
    {
        var spec = ProtocolMapping.ToSpec(request.Exchange);
        CallSubject.Record(call, spec.Key);
        var winners = request.Winners.Select(w => (w.SinkId, w.AttemptId)).ToArray();
        using var stop = StopToken(call);
        var handles = await planner.PlanAsync(spec, winners, stop.Token).ConfigureAwait(false);
        var sent = 0;
        do
        {
            var batch = new SourceHandleBatch { LastBatch = sent + HandlesPerBatch >= handles.Count };
            foreach (var handle in handles.Skip(sent).Take(HandlesPerBatch))
                batch.Handles.Add(ProtocolMapping.ToMessage(handle));
            sent += batch.Handles.Count;
            await responses.WriteAsync(batch, stop.Token).ConfigureAwait(false);
        }
        while (sent < handles.Count);
    }

    public async Task<CloseExchangeResponse> CloseExchange(CloseExchangeRequest request, ServerCallContext call)
    {
        var key = ProtocolMapping.ToKey(request.Exchange);
        CallSubject.Record(call, key);
        await lifecycle.CloseAsync(key, call.CancellationToken).ConfigureAwait(false);
        deletions.Schedule(key);
        return new CloseExchangeResponse();
    }

    public async Task<AbortSinkResponse> AbortSink(AbortSinkRequest request, ServerCallContext call)
    {
        var spec = ProtocolMapping.ToSpec(request.Exchange);
        CallSubject.RecordSink(call, spec.Key, request.SinkId, request.AttemptId);
        var committed = await sinks.AbortAsync(spec, request.SinkId, request.AttemptId, call.CancellationToken).ConfigureAwait(false);
        return new AbortSinkResponse { Committed = committed };
    }

    /// <summary>
    /// One attempt per stream. Pages are added as they arrive (waiting here is what stops the stream
    /// being read when memory is spent); the finish message commits. Ending or breaking the stream
    /// any other way aborts the attempt, which deletes what it wrote unless it had committed (in the
    /// background: the answer never waits for the storage; see <see cref="SinkAttempt"/>). A call
    /// that fails before its client ended the stream answers once the client has (see <see cref="SinkRequestStream"/>).
    /// </summary>
    public async Task<SinkResult> WriteSink(IAsyncStreamReader<PageBatch> requests, ServerCallContext call)
    {
        var stream = new SinkRequestStream(requests);
        using var stopCall = StopToken(call);
        try
        {
            using var counted = drain.BeginStream("a new sink");
            return await WriteAttemptAsync(stream, call, stopCall.Token).ConfigureAwait(false);
        }
        catch (Exception) when (!stream.Ended && !stopCall.IsCancellationRequested)
        {
            await stream.DiscardRestAsync(stopCall.Token).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<SinkResult> WriteAttemptAsync(SinkRequestStream stream, ServerCallContext call, CancellationToken stopCall)
    {
        var message = await stream.NextAsync(stopCall).ConfigureAwait(false)
            ?? throw SpoolException.InvalidArgument("the WriteSink stream ended before its first message");
        try
        {
            var open = message.Open
                ?? throw SpoolException.InvalidArgument("the first WriteSink message must carry open (exchange, sink id, attempt id)");
            var spec = ProtocolMapping.ToSpec(open.Exchange);
            CallSubject.RecordSink(call, spec.Key, open.SinkId, open.AttemptId);
            await using var attempt = await sinks.OpenAsync(spec, open.SinkId, open.AttemptId, stopCall).ConfigureAwait(false);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(stopCall, attempt.AbortRequested);
            try
            {
                while (!message.Finish)
                {
                    await AddPagesAsync(attempt, message, stop.Token).ConfigureAwait(false);
                    message.Dispose();
                    message = await stream.NextAsync(stop.Token).ConfigureAwait(false)
                        ?? throw new SpoolException(SpoolErrorReason.AttemptAborted, $"{attempt.Id}: the stream ended without finish, so the attempt was aborted");
                    if (message.Open is not null)
                        throw SpoolException.InvalidArgument($"{attempt.Id}: only the first message of a WriteSink stream may carry open");
                }
                await AddPagesAsync(attempt, message, stop.Token).ConfigureAwait(false);
                message.Dispose();
                if (await stream.NextAsync(stop.Token).ConfigureAwait(false) is { } extra)
                {
                    message = extra;
                    throw SpoolException.InvalidArgument($"{attempt.Id}: a message followed the finish message");
                }
                // From here the commit runs to its end even if the caller goes away: an abort must not undo it.
                var commit = await attempt.FinishAsync(drain.GraceEnded).ConfigureAwait(false);
                metrics.Committed();
                return new SinkResult { PageCount = commit.PageCount, DataSize = commit.DataSize, FileCount = commit.FileCount };
            }
            catch (OperationCanceledException) when (attempt.AbortRequested.IsCancellationRequested && !stopCall.IsCancellationRequested)
            {
                throw attempt.AbortFailure;
            }
        }
        finally
        {
            // Received batches hold pooled copies of their pages; disposing twice is harmless.
            message.Dispose();
        }
    }

    public async Task ReadSource(ReadSourceRequest request, IServerStreamWriter<PageBatch> responses, ServerCallContext call)
    {
        using var counted = drain.BeginStream("a new source");
        Interlocked.Increment(ref _activeSources);
        try
        {
            using var stop = StopToken(call);
            var source = ProtocolMapping.ToSourceRequest(request);
            CallSubject.RecordSource(call, source.Exchanges.Select(exchange => exchange.Exchange.Key), source.Handles.Select(handle => handle.PartitionId));
            await sources.ReadAsync(source,
                async (block, token) =>
                {
                    await responses.WriteAsync(new PageBatch { PageCount = block.PageCount, Pages = new ReadOnlySequence<byte>(block.PayloadMemory) }, token)
                        .ConfigureAwait(false);
                    metrics.Read(block.PayloadMemory.Length, block.PageCount);
                },
                stop.Token).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _activeSources);
        }
    }

    private async ValueTask AddPagesAsync(SinkAttempt attempt, PageBatch message, CancellationToken cancellationToken)
    {
        if (message.PageCount == 0 && message.Pages.IsEmpty)
            return;
        await attempt.AddPagesAsync(message.Pages, message.PageCount, cancellationToken).ConfigureAwait(false);
        metrics.Written(message.Pages.Length, message.PageCount);
    }

    /// <summary>Ends a long call when its client goes away or the server's grace period for draining is over.</summary>
    private CancellationTokenSource StopToken(ServerCallContext call) =>
        CancellationTokenSource.CreateLinkedTokenSource(call.CancellationToken, drain.GraceEnded);
}
