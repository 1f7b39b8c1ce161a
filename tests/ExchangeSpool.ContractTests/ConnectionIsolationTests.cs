using System.Buffers;
using System.Buffers.Binary;
using ExchangeSpool.Client;
using ExchangeSpool.ContractTests.Metrics;
using ExchangeSpool.Protocol;
using Grpc.Core;
using static ExchangeSpool.ContractTests.EngineDriver;

namespace ExchangeSpool.ContractTests;

/// <summary>
/// A busy Trino worker's traffic on ONE HTTP/2 connection: healthy sinks and sources with pages up
/// to the 16 MiB limit beside streams that end early in every way the protocol knows. Each early end
/// must end only its own stream, with its own status and reason; healthy streams must deliver every
/// byte; and the server must close no connection with an HTTP/2 error.
/// </summary>
public abstract class ConnectionIsolationTests(SpoolServerFixture server)
{
    private const int MiB = 1024 * 1024;
    private const int Rounds = 20;
    private const int HealthySinks = 8;
    private const int HealthySources = 8;
    private const int EachEarlyEnd = 2;
    /// <summary>The largest page: exchange.max-page-storage-size (16MB) includes the 4-byte frame.</summary>
    private const int LargestPage = 16 * MiB - 4;

    [Fact]
    public async Task EveryEarlyEnd_EndsOnlyItsOwnStream_OnOneSharedConnection()
    {
        var connectionErrorsBefore = await ConnectionErrorsAsync();
        using var client = new SpoolClient(server.Server.Address, new SpoolClientOptions { MultipleConnections = false });
        var readable = await CommitHealthyExchangeAsync(client, round: -1);
        for (var round = 0; round < Rounds; round++)
        {
            var handles = await AllHandlesAsync(readable.Exchange);
            var tampered = await CommitTamperedExchangeAsync(client);
            var next = await client.CreateExchangeAsync(NewQueryId(), "healthy", 2, false);
            var streams = new List<Task<string?>>();
            streams.AddRange(Enumerable.Range(0, HealthySinks).Select(sink => Outcome(() => WriteHealthySinkAsync(client, next, round, sink))));
            streams.AddRange(Enumerable.Range(0, HealthySources).Select(i => Outcome(() => ReadHealthySourceAsync(client, readable, handles, i))));
            for (var i = 0; i < EachEarlyEnd; i++)
                streams.AddRange(EarlyEnds(client, next, 100 + 10 * i, readable, handles, tampered));

            var failures = (await Task.WhenAll(streams)).Where(failure => failure is not null).ToList();

            Assert.True(failures.Count == 0, $"round {round}: {string.Join("; ", failures)}");
            Assert.True(streams.Count >= 32);
            await readable.Exchange.CloseAsync();
            await tampered.CloseAsync();
            readable = await FinishHealthyExchangeAsync(next, round);
        }
        await readable.Exchange.CloseAsync();

        Assert.True((await client.GetServerInfoAsync()).Serving);
        Assert.Equal(connectionErrorsBefore, await ConnectionErrorsAsync());
    }

    /// <summary>
    /// The server answers each sink at its first page (partition out of range) while the client still
    /// has megabytes to send: answered at once, the client's last DATA frames raced its own RST_STREAM
    /// and the server closed the shared connection (reproduced on every run before the fix).
    /// </summary>
    [Fact]
    public async Task SinksAnsweredWhileTheirClientStillSends_EachGetItsOwnStatus_AndTheConnectionSurvives()
    {
        var connectionErrorsBefore = await ConnectionErrorsAsync();
        using var client = new SpoolClient(server.Server.Address, new SpoolClientOptions { MultipleConnections = false });
        await using var exchange = await client.CreateExchangeAsync(NewQueryId(), "early", 2, false);
        using var concurrency = new SemaphoreSlim(8);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 200).Select(async sink =>
        {
            await concurrency.WaitAsync();
            try
            {
                return await Expect($"sink {sink}", StatusCode.InvalidArgument, ErrorReasons.PartitionOutOfRange, () => WriteAsync(client, exchange,
                    exchange.AddSink(sink), 0, [(7, new byte[100]), .. Enumerable.Range(0, 4).Select(_ => (0, new byte[MiB]))], finish: true));
            }
            finally
            {
                concurrency.Release();
            }
        }));

        var failures = outcomes.Where(failure => failure is not null).ToList();
        Assert.True(failures.Count == 0, string.Join("; ", failures));
        Assert.Equal(connectionErrorsBefore, await ConnectionErrorsAsync());
    }

    [Fact]
    public async Task ConnectionError_IsCountedAndLeavesOtherConnectionsServing()
    {
        var before = await ConnectionErrorsAsync();

        await RawHttp2.SendDataOnIdleStreamAsync(server.Server.Address);

        await WaitUntilAsync(async () => await ConnectionErrorsAsync() == before + 1);
        Assert.True((await server.Client.GetServerInfoAsync()).Serving);
    }

    /// <summary>One stream of each early-end kind; sink ids from <paramref name="firstSink"/> keep them apart from the healthy ones.</summary>
    private static IEnumerable<Task<string?>> EarlyEnds(SpoolClient client, SpoolExchange exchange, int firstSink,
        Committed readable, List<SpoolSourceHandle> handles, SpoolExchange tampered) =>
    [
        Expect("page too large", StatusCode.InvalidArgument, ErrorReasons.PageTooLarge,
            () => WriteAsync(client, exchange, exchange.AddSink(firstSink), 0, [(0, new byte[1000]), (0, new byte[LargestPage + 1])], finish: true)),
        Expect("partition out of range", StatusCode.InvalidArgument, ErrorReasons.PartitionOutOfRange,
            () => WriteAsync(client, exchange, exchange.AddSink(firstSink + 1), 0, [(0, new byte[1000]), (7, new byte[1000])], finish: true)),
        Outcome(() => AbortWhileWritingAsync(client, exchange, firstSink + 2)),
        Outcome(() => AbortRacingFinishAsync(client, exchange, firstSink + 3)),
        Outcome(() => CancelSourceMidReadAsync(client, readable, handles)),
        Expect("deadline", StatusCode.DeadlineExceeded, null, () => SinkPastItsDeadlineAsync(client, exchange, firstSink + 4)),
        Expect("integrity failure", StatusCode.DataLoss, ErrorReasons.DataLoss, () => ReadTamperedAsync(client, tampered)),
        Expect("winner never committed", StatusCode.FailedPrecondition, ErrorReasons.AttemptNotCommitted, () => PlanUncommittedAsync(client)),
        Expect("malformed message", StatusCode.InvalidArgument, ErrorReasons.InvalidRequest, () => SendMalformedAsync(client)),
    ];

    protected static async Task WriteHealthySinkAsync(SpoolClient client, SpoolExchange exchange, int round, int sink) =>
        await WriteAsync(client, exchange, exchange.AddSink(sink), 0, HealthyPages(round, sink), finish: true);

    private static async Task ReadHealthySourceAsync(SpoolClient client, Committed committed, List<SpoolSourceHandle> handles, int index)
    {
        var mine = handles.Where((_, i) => i % HealthySources == index).ToList();
        foreach (var page in await ReadAsync(client, committed.Selector, mine))
        {
            var id = PageId.Of(page);
            if (!committed.Pages.Contains(id) || !page.AsSpan().SequenceEqual(PageId.Bytes(id, page.Length)))
                throw new InvalidDataException($"source {index} read a page that was not written as it is: {id}, {page.Length} bytes");
            lock (committed.Read)
            {
                if (!committed.Read.Add(id))
                    throw new InvalidDataException($"source {index} read page {id} twice");
            }
        }
    }

    private static async Task AbortWhileWritingAsync(SpoolClient client, SpoolExchange exchange, int sink)
    {
        var writer = client.CreateSink(exchange.InstantiateSink(exchange.AddSink(sink), 0));
        for (var i = 0; i < 4; i++)
            writer.Add(i % 2, new byte[2 * MiB]);
        if (await writer.AbortAsync().WaitAsync(Patience))
            throw new InvalidOperationException($"sink {sink} was committed, though it never finished");
    }

    /// <summary>Either may win; the abort cuts off the finish's answer even when the commit got through, but a finish that succeeded means a kept commit.</summary>
    private static async Task AbortRacingFinishAsync(SpoolClient client, SpoolExchange exchange, int sink)
    {
        var writer = client.CreateSink(exchange.InstantiateSink(exchange.AddSink(sink), 0));
        writer.Add(0, new byte[64 * 1024]);
        var finish = writer.FinishAsync();
        var committed = await writer.AbortAsync().WaitAsync(Patience);
        try
        {
            await finish.WaitAsync(Patience);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Cancelled or StatusCode.Aborted)
        {
            return;
        }
        if (!committed)
            throw new InvalidOperationException($"sink {sink}: the finish succeeded but the abort deleted the attempt");
    }

    private static async Task CancelSourceMidReadAsync(SpoolClient client, Committed committed, List<SpoolSourceHandle> handles)
    {
        await using var source = client.CreateSource();
        source.SetOutputSelector(committed.Selector);
        source.AddSourceHandles(handles);
        await source.IsBlocked().WaitAsync(Patience);
    }

    private static async Task SinkPastItsDeadlineAsync(SpoolClient client, SpoolExchange exchange, int sink)
    {
        using var call = client.CallInvoker.AsyncClientStreamingCall(ExchangeSpoolMethods.WriteSink, null,
            new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(300)));
        await call.RequestStream.WriteAsync(new PageBatch
        {
            Open = new SinkOpen { Exchange = exchange.Descriptor, SinkId = sink, AttemptId = 0 },
            PageCount = 1,
            Pages = new ReadOnlySequence<byte>(Frame(0, new byte[1000])),
        });
        await call.ResponseAsync.WaitAsync(Patience);
    }

    private static async Task ReadTamperedAsync(SpoolClient client, SpoolExchange tampered)
    {
        try
        {
            await ReadAsync(client, FinalSelector(tampered, 1, (0, 0)), await AllHandlesAsync(tampered));
        }
        catch (InvalidOperationException e) when (e.InnerException is RpcException failure)
        {
            throw failure;
        }
    }

    private static async Task PlanUncommittedAsync(SpoolClient client)
    {
        await using var exchange = await client.CreateExchangeAsync(NewQueryId(), "uncommitted", 1, false);
        exchange.SinkFinished(exchange.AddSink(0), 0);
        exchange.AllRequiredSinksFinished();
        await AllHandlesAsync(exchange);
    }

    private static async Task SendMalformedAsync(SpoolClient client)
    {
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var garbage = new Method<byte[], byte[]>(MethodType.ClientStreaming, ExchangeSpoolMethods.ServiceName, "WriteSink", bytes, bytes);
        using var call = client.CallInvoker.AsyncClientStreamingCall(garbage, null, default);
        try
        {
            await call.RequestStream.WriteAsync([0x0A, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]);
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // The server may answer before the client completes its side; the response says why.
        }
        await call.ResponseAsync.WaitAsync(Patience);
    }

    private async Task<Committed> CommitHealthyExchangeAsync(SpoolClient client, int round)
    {
        var exchange = await client.CreateExchangeAsync(NewQueryId(), "healthy", 2, false);
        await Task.WhenAll(Enumerable.Range(0, HealthySinks).Select(sink => WriteHealthySinkAsync(client, exchange, round, sink)));
        return await FinishHealthyExchangeAsync(exchange, round);
    }

    private static Task<Committed> FinishHealthyExchangeAsync(SpoolExchange exchange, int round)
    {
        for (var sink = 0; sink < HealthySinks; sink++)
            exchange.SinkFinished(new SpoolSinkHandle(sink), 0);
        exchange.AllRequiredSinksFinished();
        var pages = Enumerable.Range(0, HealthySinks).SelectMany(sink => HealthyPages(round, sink)).Select(p => PageId.Of(p.Page)).ToHashSet();
        var selector = FinalSelector(exchange, HealthySinks, [.. Enumerable.Range(0, HealthySinks).Select(sink => (sink, 0))]);
        return Task.FromResult(new Committed(exchange, selector, pages, []));
    }

    /// <summary>A committed one-page exchange with the last byte of its data file flipped.</summary>
    private async Task<SpoolExchange> CommitTamperedExchangeAsync(SpoolClient client)
    {
        var queryId = NewQueryId();
        var exchange = await client.CreateExchangeAsync(queryId, "tampered", 1, false);
        var sink = exchange.AddSink(0);
        await WriteAsync(client, exchange, sink, 0, [(0, new byte[10_000])], finish: true);
        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        var directories = await server.ExchangeDirectoriesOfQueryAsync(queryId);
        var dataFile = directories.SelectMany(d => Directory.EnumerateFiles(d, "*.data", SearchOption.AllDirectories)).Single();
        var bytes = await File.ReadAllBytesAsync(dataFile);
        bytes[^1] ^= 1;
        await File.WriteAllBytesAsync(dataFile, bytes);
        return exchange;
    }

    /// <summary>Sink 0 writes the largest page the server takes and sink 1 a 4 MiB one; the others write pages of 50-200 KiB.</summary>
    private static IEnumerable<(int Partition, byte[] Page)> HealthyPages(int round, int sink)
    {
        int[] sizes = sink switch
        {
            0 => [LargestPage, 1000, 20_000],
            1 => [4 * MiB, 300],
            _ => [.. Enumerable.Range(0, 5).Select(seq => 50_000 + 30_000 * seq)],
        };
        return sizes.Select((size, seq) => (seq % 2, PageId.Bytes(new PageId(round, sink, seq), size)));
    }

    private async Task<long> ConnectionErrorsAsync()
    {
        var scrape = await PrometheusScrape.ReadAsync(server.Server.MetricsAddress!);
        return (long)scrape.Value("exchangespool_http2_connection_errors_total");
    }

    private static async Task<string?> Outcome(Func<Task> stream)
    {
        try
        {
            await stream();
            return null;
        }
        catch (Exception e)
        {
            return e.ToString();
        }
    }

    /// <summary>Null when <paramref name="stream"/> failed with exactly this status (and reason, when given); else what happened instead.</summary>
    private static async Task<string?> Expect(string kind, StatusCode code, string? reason, Func<Task> stream)
    {
        try
        {
            await stream();
            return $"{kind}: succeeded, expected {code}";
        }
        catch (RpcException e) when (e.StatusCode == code && (reason is null || SpoolErrors.Reason(e) == reason))
        {
            return null;
        }
        catch (Exception e)
        {
            return $"{kind}: expected {code} {reason}, got {e}";
        }
    }

    /// <summary>An exchange whose healthy sinks committed, the pages they wrote, and those read back so far.</summary>
    private sealed record Committed(SpoolExchange Exchange, OutputSelector Selector, HashSet<PageId> Pages, HashSet<PageId> Read);

    /// <summary>Who wrote a page; its bytes are a function of this id and its length, so any misplaced or altered byte shows.</summary>
    private readonly record struct PageId(int Round, int Sink, int Sequence)
    {
        public static PageId Of(byte[] page) => new(
            BinaryPrimitives.ReadInt32LittleEndian(page),
            BinaryPrimitives.ReadInt32LittleEndian(page.AsSpan(4)),
            BinaryPrimitives.ReadInt32LittleEndian(page.AsSpan(8)));

        public static byte[] Bytes(PageId id, int length)
        {
            var page = new byte[length];
            for (var i = 12; i < length; i++)
                page[i] = (byte)(i * 31 + id.Sequence * 7 + id.Sink * 13 + id.Round);
            BinaryPrimitives.WriteInt32LittleEndian(page, id.Round);
            BinaryPrimitives.WriteInt32LittleEndian(page.AsSpan(4), id.Sink);
            BinaryPrimitives.WriteInt32LittleEndian(page.AsSpan(8), id.Sequence);
            return page;
        }
    }
}

/// <summary>The server's defaults, with metrics on.</summary>
public sealed class MeteredLocalSpoolServer : SpoolServerFixture
{
    protected override IEnumerable<string> ExtraArguments => ["--exchange.spool.metrics-address=127.0.0.1:0"];
}

/// <summary>At most 8 streams per connection, so the shared connection's streams queue in the client.</summary>
public sealed class QueuedStreamsLocalSpoolServer : SpoolServerFixture
{
    protected override IEnumerable<string> ExtraArguments =>
        ["--exchange.spool.metrics-address=127.0.0.1:0", "--exchange.spool.max-streams-per-connection=8"];
}

public sealed class ConnectionIsolationOnDefaults(MeteredLocalSpoolServer server)
    : ConnectionIsolationTests(server), IClassFixture<MeteredLocalSpoolServer>
{
    /// <summary>A busy worker's slow tasks: 500 sink streams that sent a page and wait, on the connection the others use.</summary>
    [Fact]
    public async Task FiveHundredIdleSinkStreams_LeaveOtherCallsOnTheirConnectionServed()
    {
        using var client = new SpoolClient(server.Server.Address, new SpoolClientOptions { MultipleConnections = false });
        await using var exchange = await client.CreateExchangeAsync(NewQueryId(), "idle", 2, false);
        var idle = new List<AsyncClientStreamingCall<PageBatch, SinkResult>>();
        try
        {
            for (var sink = 0; sink < 500; sink++)
            {
                var call = client.CallInvoker.AsyncClientStreamingCall(ExchangeSpoolMethods.WriteSink, null, default);
                idle.Add(call);
                await call.RequestStream.WriteAsync(new PageBatch
                {
                    Open = new SinkOpen { Exchange = exchange.Descriptor, SinkId = 1000 + sink, AttemptId = 0 },
                    PageCount = 1,
                    Pages = new ReadOnlySequence<byte>(Frame(0, new byte[1000])),
                }).WaitAsync(Patience);
            }
            await WaitUntilAsync(async () => (await client.GetServerInfoAsync()).ActiveSinks == 500);

            await Task.WhenAll(Enumerable.Range(0, 4).Select(sink => WriteHealthySinkAsync(client, exchange, round: 0, sink + 2))).WaitAsync(Patience);

            Assert.True((await client.GetServerInfoAsync()).Serving);
        }
        finally
        {
            foreach (var call in idle)
                call.Dispose();
        }
        await WaitUntilAsync(async () => (await client.GetServerInfoAsync()).ActiveSinks == 0);
    }
}

public sealed class ConnectionIsolationWithQueuedStreams(QueuedStreamsLocalSpoolServer server)
    : ConnectionIsolationTests(server), IClassFixture<QueuedStreamsLocalSpoolServer>;
