using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Sinks;

namespace ExchangeSpool.Server.Tests.Cli;

/// <summary>Exchanges written through the core as a server writes them, for tests of what reads storage (the orphan sweeper, the operator CLI).</summary>
public static class CommittedExchanges
{
    public const string QueryId = "q";

    /// <summary>A new one-partition exchange of query <see cref="QueryId"/> with a random salt.</summary>
    public static ExchangeSpec Spec(string exchangeId) =>
        new(new ExchangeKey(QueryId, exchangeId), 1, false, RandomNumberGenerator.GetBytes(ExchangeSpec.SaltSize));

    /// <summary>Commits attempt 0 of sinks 0..<paramref name="sinks"/>-1 of a new exchange, each with <paramref name="pages"/> pages of 100 bytes.</summary>
    public static async Task<ExchangeSpec> CommitAsync(SpoolContext server, string exchangeId, int sinks = 1, int pages = 1)
    {
        var exchange = Spec(exchangeId);
        var registry = new SinkRegistry(server);
        for (var sink = 0; sink < sinks; sink++)
        {
            await using var attempt = await registry.OpenAsync(exchange, sink, 0, default);
            await attempt.AddPagesAsync(Pages(pages), pages, default);
            await attempt.FinishAsync(default);
        }
        return exchange;
    }

    /// <summary><paramref name="count"/> random 100-byte pages for partition 0, framed as a sink batch carries them: [partition][length][payload].</summary>
    public static ReadOnlySequence<byte> Pages(int count = 1)
    {
        const int PageSize = 100;
        var frames = new byte[count * (8 + PageSize)];
        for (var i = 0; i < count; i++)
        {
            var frame = frames.AsSpan(i * (8 + PageSize), 8 + PageSize);
            BinaryPrimitives.WriteInt32LittleEndian(frame, 0);
            BinaryPrimitives.WriteInt32LittleEndian(frame[4..], PageSize);
            RandomNumberGenerator.Fill(frame[8..]);
        }
        return new ReadOnlySequence<byte>(frames);
    }
}
