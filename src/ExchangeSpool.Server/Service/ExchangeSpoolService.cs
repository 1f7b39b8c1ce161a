using System.Buffers;
using System.Reflection;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Planning;
using ExchangeSpool.Core.Sinks;
using ExchangeSpool.Core.Sources;
using ExchangeSpool.Grpc;
using ExchangeSpool.Protocol;
using Microsoft.Extensions.Hosting;

namespace ExchangeSpool.Server.Service;

/// <summary>
/// The ExchangeSpool gRPC service: each method checks its request, hands the work to the core and
/// maps the result back. No exchange state lives here.
/// </summary>
internal sealed class ExchangeSpoolService(
    SpoolContext context,
    SinkRegistry sinks,
    ExchangeLifecycle lifecycle,
    HandlePlanner planner,
    SourceReader sources,
    ExchangeDeletions deletions,
    IHostApplicationLifetime lifetime,
    int maxMessageSize)
{
    /// <summary>Handles a plan result carries per message, well below any message size limit.</summary>
    private const int HandlesPerBatch = 1000;

    private static readonly string Version =
        typeof(ExchangeSpoolService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private int _activeSources;

    /// <summary>ReadSource calls streaming now.</summary>
    public int ActiveSources => Volatile.Read(ref _activeSources);

    public void Bind(GrpcServiceBinder binder) => binder
        .AddUnaryMethod(ExchangeSpoolMethods.GetServerInfo, GetServerInfo)
        .AddUnaryMethod(ExchangeSpoolMethods.CreateExchange, CreateExchange)
        .AddServerStreamingMethod(ExchangeSpoolMethods.PlanSourceHandles, PlanSourceHandles)
        .AddUnaryMethod(ExchangeSpoolMethods.CloseExchange, CloseExchange)
        .AddClientStreamingMethod(ExchangeSpoolMethods.WriteSink, WriteSink)
        .AddUnaryMethod(ExchangeSpoolMethods.AbortSink, AbortSink)
        .AddServerStreamingMethod(ExchangeSpoolMethods.ReadSource, ReadSource);

    private Task<ServerInfo> GetServerInfo(GetServerInfoRequest request, ServerCallContext call) =>
        Task.FromResult(new ServerInfo
        {
            Version = Version,
            StorageKind = context.Storage.Kind,
            BaseDirectories = { context.Storage.BaseDirectories },
            MemoryLimitBytes = context.Budget.Limit,
            MemoryUsedBytes = context.Budget.Used - context.Pool.ParkedBytes,
            MaxOutputPartitionCount = context.Options.MaxOutputPartitionCount,
            MaxPageStorageSize = context.Options.MaxPageStorageSize,
            MaxMessageSize = maxMessageSize,
            Serving = !lifetime.ApplicationStopping.IsCancellationRequested,
            ActiveSinks = sinks.ActiveCount,
            ActiveSources = ActiveSources,
        });

    private Task<ExchangeDescriptor> CreateExchange(CreateExchangeRequest request, ServerCallContext call)
    {
        var spec = lifecycle.Create(ProtocolMapping.ToKey(request.Exchange), request.PartitionCount, request.PreserveOrder);
        return Task.FromResult(ProtocolMapping.ToDescriptor(spec, lifecycle.StorageLocations(spec.Key), context.Options));
    }

    private async Task PlanSourceHandles(PlanSourceHandlesRequest request, IMessageWriter<SourceHandleBatch> responses, ServerCallContext call)
    {
        var spec = ProtocolMapping.ToSpec(request.Exchange);
        var winners = request.Winners.Select(w => (w.SinkId, w.AttemptId)).ToArray();
        var handles = await planner.PlanAsync(spec, winners, call.CancellationToken).ConfigureAwait(false);
        var sent = 0;
        do
        {
            var batch = new SourceHandleBatch { LastBatch = sent + HandlesPerBatch >= handles.Count };
            foreach (var handle in handles.Skip(sent).Take(HandlesPerBatch))
                batch.Handles.Add(ProtocolMapping.ToMessage(handle));
            sent += batch.Handles.Count;
            await responses.WriteAsync(batch, call.CancellationToken).ConfigureAwait(false);
        }
        while (sent < handles.Count);
    }

    private async Task<CloseExchangeResponse> CloseExchange(CloseExchangeRequest request, ServerCallContext call)
    {
        var key = ProtocolMapping.ToKey(request.Exchange);
        await lifecycle.CloseAsync(key, call.CancellationToken).ConfigureAwait(false);
        deletions.Schedule(key);
        return new CloseExchangeResponse();
    }

    private async Task<AbortSinkResponse> AbortSink(AbortSinkRequest request, ServerCallContext call)
    {
        var committed = await sinks.AbortAsync(ProtocolMapping.ToSpec(request.Exchange), request.SinkId, request.AttemptId, call.CancellationToken)
            .ConfigureAwait(false);
        return new AbortSinkResponse { Committed = committed };
    }

    /// <summary>
    /// One attempt per stream. Pages are added as they arrive (waiting here is what stops the stream
    /// being read when memory is spent); the finish message commits. Ending or breaking the stream
    /// any other way aborts the attempt, which deletes what it wrote unless it had committed.
    /// </summary>
    private async Task<SinkResult> WriteSink(IMessageReader<PageBatch> requests, ServerCallContext call)
    {
        if (!await requests.MoveNextAsync(call.CancellationToken).ConfigureAwait(false))
            throw SpoolException.InvalidArgument("the WriteSink stream ended before its first message");
        var open = requests.Current.Open
            ?? throw SpoolException.InvalidArgument("the first WriteSink message must carry open (exchange, sink id, attempt id)");
        await using var attempt = await sinks.OpenAsync(ProtocolMapping.ToSpec(open.Exchange), open.SinkId, open.AttemptId, call.CancellationToken)
            .ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(call.CancellationToken, attempt.AbortRequested);
        try
        {
            var message = requests.Current;
            while (!message.Finish)
            {
                await AddPagesAsync(attempt, message, stop.Token).ConfigureAwait(false);
                if (!await requests.MoveNextAsync(stop.Token).ConfigureAwait(false))
                    throw new SpoolException(SpoolErrorReason.AttemptAborted, $"{attempt.Id}: the stream ended without finish, so the attempt was aborted");
                message = requests.Current;
                if (message.Open is not null)
                    throw SpoolException.InvalidArgument($"{attempt.Id}: only the first message of a WriteSink stream may carry open");
            }
            await AddPagesAsync(attempt, message, stop.Token).ConfigureAwait(false);
            if (await requests.MoveNextAsync(stop.Token).ConfigureAwait(false))
                throw SpoolException.InvalidArgument($"{attempt.Id}: a message followed the finish message");
            // From here the commit runs to its end even if the caller goes away: an abort must not undo it.
            var commit = await attempt.FinishAsync(lifetime.ApplicationStopping).ConfigureAwait(false);
            return new SinkResult { PageCount = commit.PageCount, DataSize = commit.DataSize, FileCount = commit.FileCount };
        }
        catch (OperationCanceledException) when (attempt.AbortRequested.IsCancellationRequested)
        {
            throw attempt.AbortFailure;
        }
    }

    private static ValueTask AddPagesAsync(SinkAttempt attempt, PageBatch message, CancellationToken cancellationToken) =>
        message.PageCount == 0 && message.Pages.IsEmpty
            ? ValueTask.CompletedTask
            : attempt.AddPagesAsync(message.Pages, message.PageCount, cancellationToken);

    private async Task ReadSource(ReadSourceRequest request, IMessageWriter<PageBatch> responses, ServerCallContext call)
    {
        Interlocked.Increment(ref _activeSources);
        try
        {
            await sources.ReadAsync(ProtocolMapping.ToSourceRequest(request),
                (block, token) => responses.WriteAsync(
                    new PageBatch { PageCount = block.PageCount, Pages = new ReadOnlySequence<byte>(block.PayloadMemory) }, token),
                call.CancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _activeSources);
        }
    }
}
