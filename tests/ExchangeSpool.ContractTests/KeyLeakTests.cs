using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Encryption;
using ExchangeSpool.Storage.Local;
using Grpc.Core;
using ExchangeSpool.Server.Metrics;
using ExchangeSpool.Server.Service;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using static ExchangeSpool.ContractTests.EngineDriver;

namespace ExchangeSpool.ContractTests;

/// <summary>An encrypting server with a known master key whose every log line, at every level, is kept.</summary>
public sealed class KeyLeakSpoolServer : SpoolServerFixture
{
    public byte[] MasterKey { get; } = RandomNumberGenerator.GetBytes(KeyRing.KeySize);

    public ConcurrentQueue<string> LogLines { get; } = new();

    protected override IEnumerable<string> ExtraArguments =>
        ["--exchange.encryption-enabled=true", $"--exchange.spool.encryption.key={Convert.ToBase64String(MasterKey)}", "--exchange.spool.compression=lz4"];

    protected override Action<ILoggingBuilder>? Logging => logging =>
    {
        logging.SetMinimumLevel(LogLevel.Trace);
        logging.AddFilter(_ => true);
        logging.AddProvider(new CapturingLoggerProvider(LogLines));
    };

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, lines);

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}

/// <summary>
/// Keys never leave the server: a full round trip, including an integrity failure, is captured
/// (logs, every message the client received, error statuses) and searched for the master key and
/// the exchange's derived key in hex and base64.
/// </summary>
public sealed class KeyLeakTests(KeyLeakSpoolServer server) : IClassFixture<KeyLeakSpoolServer>
{
    [Fact]
    public async Task RoundTripWithDataLoss_NeverShowsMasterOrDerivedKey_AndCountsTheFailure()
    {
        var client = server.Client;
        var seen = new List<string>();
        var seenBytes = new List<byte[]>();
        var integrityFailuresBefore = server.Server.Metrics.IntegrityFailures;

        await using var exchange = await client.CreateExchangeAsync(NewQueryId(), "leak", 2, false);
        seen.Add(exchange.Descriptor.ToString());
        seenBytes.Add(exchange.Descriptor.ToByteArray());
        var pages = Enumerable.Range(0, 200).Select(i => (i % 2, RandomNumberGenerator.GetBytes(5000))).ToArray();
        var sinks = Enumerable.Range(0, 2).Select(exchange.AddSink).ToArray();
        await Task.WhenAll(sinks.Select(sink => WriteAsync(client, exchange, sink, 0, pages, finish: true)));
        foreach (var sink in sinks)
            exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        var handles = await AllHandlesAsync(exchange);
        seen.AddRange(handles.Select(h => h.Handle.ToString()));
        seenBytes.AddRange(handles.Select(h => h.Handle.ToByteArray()));
        var selector = FinalSelector(exchange, 2, (0, 0), (1, 0));
        Assert.Equal(pages.Length * 2, (await ReadAsync(client, selector, handles)).Count);

        var spec = new ExchangeSpec(new ExchangeKey(exchange.Descriptor.Exchange.QueryId, exchange.ExchangeId), 2, false, exchange.Descriptor.Salt.ToByteArray());
        var dataFile = server.Server.Context.Layout.DataFile(spec.Key, 0, 0, 1, 0);
        var path = ((LocalExchangeStorage)server.Server.Context.Storage).Resolve(dataFile);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[^1] ^= 1;
        await File.WriteAllBytesAsync(path, bytes);
        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => ReadAsync(client, selector, handles));
        seen.Add(thrown.ToString());
        var error = Assert.IsType<RpcException>(thrown as RpcException ?? thrown.InnerException);

        Assert.True(error.StatusCode == StatusCode.DataLoss, error.ToString());
        Assert.Contains($"exchange {spec.Key}", error.Status.Detail);
        Assert.Contains(dataFile.RelativePath, error.Status.Detail);
        Assert.Matches(@"block \d+: authentication failed", error.Status.Detail);
        Assert.True(server.Server.Metrics.IntegrityFailures > integrityFailuresBefore, "the integrity failure was not counted");

        var derivedKey = new byte[KeyRing.KeySize];
        new KeyRing(1, new Dictionary<uint, byte[]> { [1] = server.MasterKey }).DeriveExchangeKey(1, spec, derivedKey);
        seen.AddRange(server.LogLines);
        Assert.NotEmpty(server.LogLines);
        var haystack = string.Join("\n", seen);
        foreach (var (name, key) in new[] { ("master key", server.MasterKey), ("derived key", derivedKey) })
        {
            foreach (var text in new[] { Convert.ToHexString(key), Convert.ToHexString(key).ToLowerInvariant(), Convert.ToBase64String(key), Convert.ToBase64String(key).TrimEnd('=') })
                Assert.False(haystack.Contains(text, StringComparison.Ordinal), $"the {name} appears in a log line or message");
            Assert.All(seenBytes, message => Assert.True(message.AsSpan().IndexOf(key) < 0, $"the {name} appears in a message's bytes"));
        }
    }
}
