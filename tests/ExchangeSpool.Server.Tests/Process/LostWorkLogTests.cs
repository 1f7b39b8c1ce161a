using System.Collections.Concurrent;
using ExchangeSpool.Client;
using ExchangeSpool.Server.Configuration;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server.Tests.Process;

/// <summary>A failure that loses a sink is a warning naming the exchange, the sink and the attempt, as fields an operator's log search can use.</summary>
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
        var configuration = ((RunServer)ServerConfiguration.Load(
            ["--exchange.spool.address=127.0.0.1:0", $"--exchange.base-directories={baseDirectory}"], _ => null)).Configuration;
        await using var server = SpoolServer.Create(configuration, logging => logging.AddProvider(new CapturingProvider(_events)));
        await server.StartAsync();
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
