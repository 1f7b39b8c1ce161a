using System.Collections.Concurrent;
using ExchangeSpool.Client;
using ExchangeSpool.Server.Configuration;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server.Tests.Process;

/// <summary>A failure that loses a sink or a source is a warning naming what it lost (exchange, sink and attempt, or partitions), as fields an operator's log search can use.</summary>
public sealed class LostWorkLogTests : IAsyncDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("exchange-spool-lost-").FullName;
    private readonly ConcurrentQueue<CapturedEvent> _events = new();

    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task SinkWhoseBaseDirectoryBecameAFile_IsLoggedAsALostSinkWithItsIds()
    {
        var baseDirectory = Path.Combine(_root, "spool");
        await using var server = await StartAsync(baseDirectory);
        using var client = new SpoolClient(server.Address);
        var exchange = await client.CreateExchangeAsync("lost-query", "lost-exchange", 1, false);
        var sink = exchange.AddSink(3);
        // The storage breaks under the running server: its base directory is replaced by a file.
        Directory.Delete(baseDirectory, recursive: true);
        await File.WriteAllTextAsync(baseDirectory, "in the way");

        var writer = client.CreateSink(exchange.InstantiateSink(sink, 2));
        writer.Add(0, "page"u8);
        await Assert.ThrowsAsync<RpcException>(() => writer.FinishAsync().WaitAsync(SpoolProcess.Timeout));

        var lost = Assert.Single(_events, e => e.EventName == "SinkLost");
        Assert.Equal(LogLevel.Warning, lost.Level);
        Assert.Equal("lost-query.lost-exchange", lost.Fields["ExchangeId"]);
        Assert.Equal(3, lost.Fields["SinkId"]);
        Assert.Equal(2, lost.Fields["AttemptId"]);
        Assert.Equal("STORAGE_UNAVAILABLE", lost.Fields["Reason"]);
        Assert.Contains(baseDirectory, lost.Message);
    }

    [Fact]
    public async Task SourceReadingACorruptedFile_IsLoggedAsALostSourceWithExchangeAndPartition()
    {
        var baseDirectory = Path.Combine(_root, "spool");
        await using var server = await StartAsync(baseDirectory);
        using var client = new SpoolClient(server.Address);
        var exchange = await client.CreateExchangeAsync("corrupt-query", "corrupt-exchange", 2, false);
        var sink = exchange.AddSink(0);
        var writer = client.CreateSink(exchange.InstantiateSink(sink, 0));
        writer.Add(1, new byte[4096]);
        await writer.FinishAsync().WaitAsync(SpoolProcess.Timeout);
        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        var handles = new List<SpoolSourceHandle>();
        await foreach (var batch in exchange.GetSourceHandlesAsync())
            handles.AddRange(batch.Handles);
        var dataFile = Assert.Single(Directory.EnumerateFiles(baseDirectory, "*.data", SearchOption.AllDirectories));
        await using (var file = File.OpenWrite(dataFile))
        {
            // A byte in the middle of the block's payload: its checksum no longer matches.
            file.Position = file.Length / 2;
            file.WriteByte(0x5A);
        }

        await using var source = client.CreateSource();
        source.SetOutputSelector(new OutputSelector.Builder()
            .SetPartitionCount(exchange.ExchangeId, 2).Include(exchange.ExchangeId, 0, 0).SetFinal().Build());
        source.AddSourceHandles(handles);
        source.NoMoreSourceHandles();
        await Assert.ThrowsAnyAsync<Exception>(() => ReadToEndAsync(source));

        var lost = Assert.Single(_events, e => e.EventName == "SourceLost");
        Assert.Equal(LogLevel.Warning, lost.Level);
        Assert.Equal("corrupt-query.corrupt-exchange", lost.Fields["ExchangeId"]);
        Assert.Equal("1", lost.Fields["Partitions"]);
        Assert.Equal("DATA_LOSS", lost.Fields["Reason"]);
    }

    private async Task<SpoolServer> StartAsync(string baseDirectory)
    {
        var configuration = ((RunServer)ServerConfiguration.Load(
            ["--exchange.spool.address=127.0.0.1:0", $"--exchange.base-directories={baseDirectory}"], _ => null)).Configuration;
        var server = SpoolServer.Create(configuration, logging => logging.AddProvider(new CapturingProvider(_events)));
        try
        {
            await server.StartAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private static async Task ReadToEndAsync(SpoolSource source)
    {
        using var timeout = new CancellationTokenSource(SpoolProcess.Timeout);
        while (!source.IsFinished)
        {
            if (source.Read() is null)
                await source.IsBlocked().WaitAsync(timeout.Token);
        }
    }

    private sealed record CapturedEvent(LogLevel Level, string? EventName, IReadOnlyDictionary<string, object?> Fields, string Message);

    private sealed class CapturingProvider(ConcurrentQueue<CapturedEvent> events) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(events);

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(ConcurrentQueue<CapturedEvent> events) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state is IReadOnlyList<KeyValuePair<string, object?>> pairs
                ? pairs.ToDictionary(pair => pair.Key, pair => pair.Value)
                : new Dictionary<string, object?>();
            events.Enqueue(new CapturedEvent(logLevel, eventId.Name, fields, formatter(state, exception)));
        }
    }
}
