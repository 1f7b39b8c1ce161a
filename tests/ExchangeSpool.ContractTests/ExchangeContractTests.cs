using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using ExchangeSpool.Client;
using ExchangeSpool.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using static ExchangeSpool.ContractTests.EngineDriver;

namespace ExchangeSpool.ContractTests;

/// <summary>
/// Trino's own exchange-manager contract scenarios plus ours, written once against the client and
/// run against every backend's server fixture.
/// </summary>
public abstract class ExchangeContractTests(SpoolServerFixture server)
{
    private const int MiB = 1024 * 1024;

    protected SpoolClient Client => server.Client;

    [Fact]
    public Task HappyPath_FirstReportedAttemptOfEachSinkIsRead() => HappyPathAsync();

    [Fact]
    public Task LargePages_UpToMaxPageSize_RoundTripInTenHandles() => LargePagesAsync();

    [Fact]
    public async Task CreateExchange_MorePartitionsThanAllowed_FailsWithTrinosMessage()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.CreateExchangeAsync(NewQueryId(), "e", 51, false));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(ErrorReasons.TooManyPartitions, SpoolErrors.Reason(error));
        Assert.Contains("Max number of output partitions exceeded for exchange", error.Status.Detail);
    }

    [Fact]
    public async Task AllScenarios_RunConcurrentlyAgainstOneServer()
    {
        await Task.WhenAll(Enumerable.Range(0, 3).SelectMany(_ => new[] { HappyPathAsync(), LargePagesAsync(), QueryRetrySpillAsync() }));
    }

    [Fact]
    public Task QueryRetrySpill_TenThousandRecords_ReadBackInExactWriteOrder() => QueryRetrySpillAsync();

    [Fact]
    public async Task AbortAfterFinish_KeepsCommittedDataReadable()
    {
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "e", 1, false);
        var sink = exchange.AddSink(0);
        var writer = Client.CreateSink(exchange.InstantiateSink(sink, 0));
        writer.Add(0, "kept"u8);
        await writer.FinishAsync();
        Assert.True(await writer.AbortAsync());

        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        var pages = await ReadAsync(Client, FinalSelector(exchange, 1, (0, 0)), await AllHandlesAsync(exchange));
        Assert.Equal(["kept"], AsStrings(pages));
    }

    [Fact]
    public async Task AbortDuringFinish_NeverDestroysACommit()
    {
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "e", 4, false);
        var sink = exchange.AddSink(0);
        var writer = Client.CreateSink(exchange.InstantiateSink(sink, 0));
        var page = RandomNumberGenerator.GetBytes(64 * 1024);
        for (var i = 0; i < 64; i++)
            writer.Add(i % 4, page);
        var finish = writer.FinishAsync();
        var committed = await writer.AbortAsync();
        var finished = await Record.ExceptionAsync(() => finish) is null;

        // Either finish won (then abort must have kept the commit) or abort won (then nothing committed).
        Assert.True(committed || !finished, "finish succeeded but abort reported the attempt as not committed");
        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        if (committed)
        {
            var pages = await ReadAsync(Client, FinalSelector(exchange, 1, (0, 0)), await AllHandlesAsync(exchange));
            Assert.Equal(64, pages.Count);
        }
        else
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => AllHandlesAsync(exchange));
            Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        }
    }

    [Fact]
    public async Task SecondFinish_FailsClearly()
    {
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "e", 1, false);
        var writer = Client.CreateSink(exchange.InstantiateSink(exchange.AddSink(0), 0));
        writer.Add(0, "x"u8);
        await writer.FinishAsync();
        var error = Assert.Throws<InvalidOperationException>(() => { _ = writer.FinishAsync(); });
        Assert.Contains("Finish was already called", error.Message);
    }

    [Fact]
    public async Task SecondStreamForACommittedAttempt_IsRefused()
    {
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "e", 1, false);
        var handle = exchange.InstantiateSink(exchange.AddSink(0), 0);
        var first = Client.CreateSink(handle);
        first.Add(0, "x"u8);
        await first.FinishAsync();
        var second = Client.CreateSink(handle);
        second.Add(0, "y"u8);
        var error = await Assert.ThrowsAsync<RpcException>(() => second.FinishAsync());
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("already committed", error.Status.Detail);
    }

    [Fact]
    public async Task SecondStreamForAnAttemptBeingWritten_IsRefusedAndTheFirstStillCommits()
    {
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "e", 1, false);
        var sink = exchange.AddSink(0);
        var handle = exchange.InstantiateSink(sink, 0);
        using var channel = GrpcChannel.ForAddress(server.Server.Address);
        using var first = channel.CreateCallInvoker().AsyncClientStreamingCall(ExchangeSpoolMethods.WriteSink, null, default);
        await first.RequestStream.WriteAsync(new PageBatch
        {
            Open = new SinkOpen { Exchange = exchange.Descriptor, SinkId = 0, AttemptId = 0 },
            PageCount = 1,
            Pages = new ReadOnlySequence<byte>(Frame(0, "first"u8.ToArray())),
        });
        await WaitUntilAsync(async () => (await Client.GetServerInfoAsync()).ActiveSinks > 0);

        var second = Client.CreateSink(handle);
        second.Add(0, "second"u8);
        var error = await Assert.ThrowsAsync<RpcException>(() => second.FinishAsync());
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal(ErrorReasons.AttemptBusy, SpoolErrors.Reason(error));

        await first.RequestStream.WriteAsync(new PageBatch { Finish = true });
        await first.RequestStream.CompleteAsync();
        await first.ResponseAsync;
        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        Assert.Equal(["first"], AsStrings(await ReadAsync(Client, FinalSelector(exchange, 1, (0, 0)), await AllHandlesAsync(exchange))));
    }

    [Fact]
    public async Task AddAfterAbort_IsIgnored()
    {
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "e", 1, false);
        var writer = Client.CreateSink(exchange.InstantiateSink(exchange.AddSink(0), 0));
        writer.Add(0, "before"u8);
        Assert.False(await writer.AbortAsync());
        writer.Add(0, "after"u8);
        Assert.Equal(0, writer.MemoryUsage);
    }

    [Fact]
    public async Task DisconnectedSinkStream_LeavesNoCommittedData()
    {
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "e", 2, false);
        var sink = exchange.AddSink(0);
        using (var channel = GrpcChannel.ForAddress(server.Server.Address))
        using (var call = channel.CreateCallInvoker().AsyncClientStreamingCall(ExchangeSpoolMethods.WriteSink, null, default))
        {
            await call.RequestStream.WriteAsync(new PageBatch
            {
                Open = new SinkOpen { Exchange = exchange.Descriptor, SinkId = 0, AttemptId = 0 },
                PageCount = 1,
                Pages = new ReadOnlySequence<byte>(Frame(0, new byte[1000])),
            });
            await WaitUntilAsync(async () => (await Client.GetServerInfoAsync()).ActiveSinks > 0);
        }
        await WaitUntilAsync(async () => (await Client.GetServerInfoAsync()).ActiveSinks == 0);

        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        var error = await Assert.ThrowsAsync<RpcException>(() => AllHandlesAsync(exchange));
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal(ErrorReasons.AttemptNotCommitted, SpoolErrors.Reason(error));
    }

    [Fact]
    public async Task ReaderHandedFilesOfANonWinningAttempt_IsRefused()
    {
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "e", 1, false);
        var sink = exchange.AddSink(0);
        await WriteAsync(Client, exchange, sink, 0, Strings((0, "winner")), finish: true);
        await WriteAsync(Client, exchange, sink, 1, Strings((0, "loser")), finish: true);
        exchange.SinkFinished(sink, 0);
        exchange.SinkFinished(sink, 1);
        exchange.AllRequiredSinksFinished();
        var handle = Assert.Single(await AllHandlesAsync(exchange));
        var forged = handle.Handle.Clone();
        forged.Files[0].AttemptId = 1;

        await using var source = Client.CreateSource();
        source.SetOutputSelector(FinalSelector(exchange, 1, (0, 0)));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ReadAsync(source, [handle with { Handle = forged }]));
        Assert.Contains("sink 0 attempt 1", error.Message);
        Assert.Contains("was not selected", error.Message);
    }

    [Fact]
    public async Task PageOfMaxSizePlusOneByte_IsRejectedNamingTheLimit()
    {
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "e", 1, false);
        var writer = Client.CreateSink(exchange.InstantiateSink(exchange.AddSink(0), 0));
        writer.Add(0, new byte[16 * MiB - 3]);
        var error = await Assert.ThrowsAsync<RpcException>(() => writer.FinishAsync());
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("exchange.max-page-storage-size", error.Status.Detail);
    }

    [Fact]
    public async Task PartitionOutOfRange_IsRejectedAndOtherExchangesAreUnaffected()
    {
        await using var healthy = await Client.CreateExchangeAsync(NewQueryId(), "healthy", 1, false);
        var healthySink = healthy.AddSink(0);
        var healthyWriter = Client.CreateSink(healthy.InstantiateSink(healthySink, 0));
        healthyWriter.Add(0, "ok"u8);

        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "e", 2, false);
        var writer = Client.CreateSink(exchange.InstantiateSink(exchange.AddSink(0), 0));
        writer.Add(2, "x"u8);
        var error = await Assert.ThrowsAsync<RpcException>(() => writer.FinishAsync());
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("partition 2 is out of range [0, 2)", error.Status.Detail);

        await healthyWriter.FinishAsync();
        healthy.SinkFinished(healthySink, 0);
        healthy.AllRequiredSinksFinished();
        Assert.Equal(["ok"], AsStrings(await ReadAsync(Client, FinalSelector(healthy, 1, (0, 0)), await AllHandlesAsync(healthy))));
    }

    [Theory]
    [InlineData("q/../etc", "e")]
    [InlineData("q", "e.x")]
    [InlineData("", "e")]
    public async Task InvalidIds_AreRejectedNamingTheId(string queryId, string exchangeId)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.CreateExchangeAsync(queryId, exchangeId, 1, false));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("id", error.Status.Detail);
        Assert.True((await Client.GetServerInfoAsync()).Serving);
    }

    [Fact]
    public async Task UndecodableControlRequest_IsInvalidArgumentAndTheServerKeepsServing()
    {
        using var channel = GrpcChannel.ForAddress(server.Server.Address);
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var garbage = new Method<byte[], byte[]>(MethodType.Unary, ExchangeSpoolMethods.ServiceName, "CreateExchange", bytes, bytes);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            channel.CreateCallInvoker().AsyncUnaryCall(garbage, null, default, [0x0A, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(ErrorReasons.InvalidRequest, SpoolErrors.Reason(error));
        Assert.True((await Client.GetServerInfoAsync()).Serving);
    }

    [Fact]
    public async Task MalformedSinkMessage_IsRejectedAndTheServerKeepsServing()
    {
        using var channel = GrpcChannel.ForAddress(server.Server.Address);
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var garbage = new Method<byte[], byte[]>(MethodType.ClientStreaming, ExchangeSpoolMethods.ServiceName, "WriteSink", bytes, bytes);
        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(garbage, null, default);
        // The server may answer before the client completes its side; completing then reports the status.
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await call.RequestStream.WriteAsync([0x0A, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]);
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        });
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(ErrorReasons.InvalidRequest, SpoolErrors.Reason(error));
        Assert.True((await Client.GetServerInfoAsync()).Serving);
    }

    [Fact]
    public async Task PlanningAnExchangeThatWasNeverWritten_FailsNamingTheSink()
    {
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "never", 1, false);
        var sink = exchange.AddSink(3);
        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        var error = await Assert.ThrowsAsync<RpcException>(() => AllHandlesAsync(exchange));
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("sink 3 attempt 0", error.Status.Detail);
    }

    [Fact]
    public async Task Close_LeavesNothingUnderAnyBaseDirectory()
    {
        var queryId = NewQueryId();
        var exchange = await Client.CreateExchangeAsync(queryId, "e", 2, false);
        for (var sink = 0; sink < 8; sink++)
            await WriteAsync(Client, exchange, exchange.AddSink(sink), 0, Strings((0, "a"), (1, "b")), finish: true);
        Assert.NotEmpty(await server.ExchangeDirectoriesOfQueryAsync(queryId));
        await exchange.CloseAsync();
        // Deletion runs in the background after CloseExchange answers.
        await WaitUntilAsync(async () => (await server.ExchangeDirectoriesOfQueryAsync(queryId)).Count == 0);
    }

    [Fact]
    public async Task WriteAfterClose_IsRefusedAsClosedAndLeavesNothing()
    {
        var queryId = NewQueryId();
        var exchange = await Client.CreateExchangeAsync(queryId, "e", 1, false);
        var handle = exchange.InstantiateSink(exchange.AddSink(0), 0);
        await exchange.CloseAsync();

        var late = Client.CreateSink(handle);
        late.Add(0, "late"u8);
        var error = await Assert.ThrowsAsync<RpcException>(() => late.FinishAsync());

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("was closed", error.Status.Detail);
        await WaitUntilAsync(async () => (await server.FilesOfQueryAsync(queryId)).Count == 0);
    }

    [Fact]
    public async Task SinkStreamingDuringClose_FailsAsClosedAndLeavesNothing()
    {
        var queryId = NewQueryId();
        var exchange = await Client.CreateExchangeAsync(queryId, "e", 4, false);
        var writer = Client.CreateSink(exchange.InstantiateSink(exchange.AddSink(0), 0));
        var page = RandomNumberGenerator.GetBytes(64 * 1024);
        for (var i = 0; i < 64; i++)
            writer.Add(i % 4, page);
        await WaitUntilAsync(async () => (await Client.GetServerInfoAsync()).ActiveSinks > 0);

        await exchange.CloseAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => writer.FinishAsync());

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("was closed", error.Status.Detail);
        await WaitUntilAsync(async () => (await server.FilesOfQueryAsync(queryId)).Count == 0);
    }

    [Fact]
    public async Task PlanAfterClose_FailsAsClosed()
    {
        var exchange = await Client.CreateExchangeAsync(NewQueryId(), "e", 1, false);
        var sink = exchange.AddSink(0);
        await WriteAsync(Client, exchange, sink, 0, Strings((0, "x")), finish: true);
        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        await exchange.CloseAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => AllHandlesAsync(exchange));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("was closed", error.Status.Detail);
    }

    [Fact]
    public async Task Planning_DeletesTheLosingAttemptsOfEachSinkAndKeepsTheWinners()
    {
        var queryId = NewQueryId();
        await using var exchange = await Client.CreateExchangeAsync(queryId, "e", 1, false);
        var sink = exchange.AddSink(0);
        await WriteAsync(Client, exchange, sink, 0, Strings((0, "slow")), finish: true);
        await WriteAsync(Client, exchange, sink, 1, Strings((0, "fast")), finish: true);
        exchange.SinkFinished(sink, 1);
        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();

        var handles = await AllHandlesAsync(exchange);

        await WaitUntilAsync(async () => !(await server.FilesOfQueryAsync(queryId)).Any(file => file.Contains("/0/0/", StringComparison.Ordinal)));
        Assert.Contains(await server.FilesOfQueryAsync(queryId), file => file.EndsWith("/0/1/commit", StringComparison.Ordinal));
        Assert.Equal(["fast"], AsStrings(await ReadAsync(Client, FinalSelector(exchange, 1, (0, 1)), handles)));
    }

    [Fact]
    public async Task AttemptIdAboveWhatASelectorHolds_IsRefusedNamingTheLimit()
    {
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "e", 1, false);
        var writer = Client.CreateSink(exchange.InstantiateSink(exchange.AddSink(0), 128));
        writer.Add(0, "x"u8);

        var error = await Assert.ThrowsAsync<RpcException>(() => writer.FinishAsync());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("attempt id 128", error.Status.Detail);
        Assert.Contains("limit 127", error.Status.Detail);
    }

    private async Task HappyPathAsync()
    {
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "happy", 2, false);
        var sinks = Enumerable.Range(0, 3).Select(exchange.AddSink).ToArray();
        exchange.NoMoreSinks();
        for (var sink = 0; sink < 2; sink++)
        {
            for (var attempt = 0; attempt < 2; attempt++)
                await WriteAsync(Client, exchange, sinks[sink], attempt,
                    Strings((0, $"{sink}-0-0"), (1, $"{sink}-1-0"), (0, $"{sink}-0-1"), (1, $"{sink}-1-1")), finish: true);
            await WriteAsync(Client, exchange, sinks[sink], 2, Strings((0, "failed"), (1, "another failed")), finish: false);
            for (var attempt = 0; attempt < 3; attempt++)
                exchange.SinkFinished(sinks[sink], attempt);
        }
        await WriteAsync(Client, exchange, sinks[2], 2, Strings((0, "2-0-0"), (1, "2-1-0")), finish: true);
        exchange.SinkFinished(sinks[2], 2);
        exchange.AllRequiredSinksFinished();

        var batches = new List<SpoolSourceHandleBatch>();
        await foreach (var batch in exchange.GetSourceHandlesAsync())
            batches.Add(batch);
        var only = Assert.Single(batches);
        Assert.True(only.LastBatch);
        Assert.Equal([0, 1], only.Handles.Select(h => h.PartitionId).Order());

        var selector = FinalSelector(exchange, 3, (0, 0), (1, 0), (2, 2));
        var partition0 = await ReadAsync(Client, selector, only.Handles.Where(h => h.PartitionId == 0).ToArray());
        var partition1 = await ReadAsync(Client, selector, only.Handles.Where(h => h.PartitionId == 1).ToArray());
        Assert.Equal(["0-0-0", "0-0-1", "1-0-0", "1-0-1", "2-0-0"], AsStrings(partition0).Order());
        Assert.Equal(["0-1-0", "0-1-1", "1-1-0", "1-1-1", "2-1-0"], AsStrings(partition1).Order());
    }

    private async Task LargePagesAsync()
    {
        var small = RandomNumberGenerator.GetBytes(123);
        var medium = RandomNumberGenerator.GetBytes(66 * 1024);
        var large = RandomNumberGenerator.GetBytes(5 * MiB - 4);
        var max = RandomNumberGenerator.GetBytes(16 * MiB - 4);
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "large", 3, false);
        (int, byte[])[][] written =
        [
            [(0, small), (1, max), (1, medium)],
            [(0, medium), (1, large), (2, small)],
            [(0, large), (0, max), (1, small), (2, max), (2, large), (2, medium)],
        ];
        for (var sink = 0; sink < 3; sink++)
        {
            var handle = exchange.AddSink(sink);
            await WriteAsync(Client, exchange, handle, 0, written[sink], finish: true);
            exchange.SinkFinished(handle, 0);
        }
        exchange.AllRequiredSinksFinished();
        var handles = await AllHandlesAsync(exchange);
        Assert.Equal(10, handles.Count);

        var selector = FinalSelector(exchange, 3, (0, 0), (1, 0), (2, 0));
        for (var partition = 0; partition < 3; partition++)
        {
            var expected = written.SelectMany(w => w).Where(p => p.Item1 == partition).Select(p => Convert.ToHexString(SHA256.HashData(p.Item2))).Order();
            var pages = await ReadAsync(Client, selector, handles.Where(h => h.PartitionId == partition).ToArray());
            Assert.Equal(expected, pages.Select(p => Convert.ToHexString(SHA256.HashData(p))).Order());
        }
    }

    /// <summary>Trino's QUERY-retry spill: one partition, preserve order, records [stage][partition][attempt][page].</summary>
    private async Task QueryRetrySpillAsync()
    {
        await using var exchange = await Client.CreateExchangeAsync(NewQueryId(), "spill", 1, preserveOrderWithinPartition: true);
        var sink = exchange.AddSink(0);
        var records = Enumerable.Range(0, 10_000).Select(i =>
        {
            var record = new byte[12 + 16 + i % 300];
            BinaryPrimitives.WriteInt32BigEndian(record, i % 7);
            BinaryPrimitives.WriteInt32BigEndian(record.AsSpan(4), i % 13);
            BinaryPrimitives.WriteInt32BigEndian(record.AsSpan(8), 0);
            BinaryPrimitives.WriteInt32BigEndian(record.AsSpan(12), i);
            return record;
        }).ToArray();
        await WriteAsync(Client, exchange, sink, 0, records.Select(r => (0, r)), finish: true);
        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        var pages = await ReadAsync(Client, FinalSelector(exchange, 1, (0, 0)), await AllHandlesAsync(exchange));
        Assert.Equal(records.Length, pages.Count);
        for (var i = 0; i < records.Length; i++)
            Assert.True(records[i].AsSpan().SequenceEqual(pages[i]), $"record {i} came back out of order or changed");
    }

}

public sealed class LocalBackendContractTests(LocalSpoolServer server)
    : ExchangeContractTests(server), IClassFixture<LocalSpoolServer>;

public sealed class EncryptedCompressedLocalContractTests(EncryptedCompressedLocalSpoolServer server)
    : ExchangeContractTests(server), IClassFixture<EncryptedCompressedLocalSpoolServer>;

public sealed class EncryptedLocalContractTests(EncryptedLocalSpoolServer server)
    : ExchangeContractTests(server), IClassFixture<EncryptedLocalSpoolServer>;

public sealed class CompressedLocalContractTests(CompressedLocalSpoolServer server)
    : ExchangeContractTests(server), IClassFixture<CompressedLocalSpoolServer>;

public sealed class FsyncLocalContractTests(FsyncLocalSpoolServer server)
    : ExchangeContractTests(server), IClassFixture<FsyncLocalSpoolServer>;
