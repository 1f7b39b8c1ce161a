using System.Diagnostics;
using ExchangeSpool.Client;
using Grpc.Core;

namespace ExchangeSpool.Server.Cli;

/// <summary>
/// <c>exchange-spool check --address=URL [--ca-file=FILE] [--token-file=FILE]</c>: writes an exchange
/// through a running server the way the plugin does (one sink, pages of many sizes, commit, plan,
/// read) and checks that every page comes back as written, in order; the exchange is closed after.
/// For a deployment's smoke test (docker/compose.yaml's round-trip service) and an operator's first
/// look at a server. Exit codes: 0 every page came back, 1 the server failed or returned other
/// pages, 2 a usage error; each with one line.
/// </summary>
public static class RoundTripCheck
{
    public const string Command = "check";

    private const string Usage = "usage: check --address=URL [--ca-file=FILE] [--token-file=FILE]";

    private const int PageCount = 256;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static bool Handles(IReadOnlyList<string> args) => args is [Command, ..];

    public static async Task<int> RunAsync(string programName, IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        Options options;
        try
        {
            options = Options.Parse(args.Skip(1));
        }
        catch (FormatException e)
        {
            error.WriteLine($"{programName} {Command}: {e.Message} ({Usage})");
            return 2;
        }
        var clock = Stopwatch.StartNew();
        try
        {
            using var timeout = new CancellationTokenSource(Deadline);
            using var client = new SpoolClient(options.Address, new SpoolClientOptions
            {
                CaCertificateFile = options.CaFile,
                BearerTokenFile = options.TokenFile,
                ControlCallTimeout = Deadline,
            });
            var pages = Pages();
            var read = await WriteAndReadAsync(client, pages, timeout.Token);
            if (FirstDifference(pages, read) is { } difference)
            {
                error.WriteLine($"{programName} {Command}: {options.Address}: {difference}");
                return 1;
            }
            output.WriteLine($"{programName} {Command}: {options.Address}: wrote {pages.Count} pages ({pages.Sum(p => p.Length)} bytes) and read them back intact in {clock.ElapsedMilliseconds} ms");
            return 0;
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException or IOException or System.Security.Cryptography.CryptographicException)
        {
            error.WriteLine($"{programName} {Command}: {options.Address}: {Describe(e)}");
            return 1;
        }
    }

    /// <summary>Pages from 1 byte to 64 KiB of seeded random bytes, so a damaged or misplaced page shows.</summary>
    private static List<byte[]> Pages()
    {
        var random = new Random(PageCount);
        return Enumerable.Range(0, PageCount).Select(i =>
        {
            var page = new byte[1 + random.Next(64 * 1024)];
            random.NextBytes(page);
            return page;
        }).ToList();
    }

    /// <summary>Writes <paramref name="pages"/> into a new exchange of one partition through one sink and returns what a source reads back.</summary>
    internal static async Task<List<byte[]>> WriteAndReadAsync(SpoolClient client, IReadOnlyList<byte[]> pages, CancellationToken cancellationToken)
    {
        await using var exchange = await client.CreateExchangeAsync("exchange-spool-check", Guid.NewGuid().ToString("N"), 1, false, cancellationToken);
        var sink = exchange.AddSink(0);
        var writer = client.CreateSink(exchange.InstantiateSink(sink, 0));
        foreach (var page in pages)
        {
            await writer.IsBlocked.WaitAsync(cancellationToken);
            writer.Add(0, page);
        }
        await writer.FinishAsync().WaitAsync(cancellationToken);
        exchange.SinkFinished(sink, 0);
        exchange.AllRequiredSinksFinished();
        return await ReadAllAsync(client, exchange, cancellationToken);
    }

    /// <summary>Every page of the exchange's one partition, as its winning attempt 0 of sink 0 wrote them.</summary>
    private static async Task<List<byte[]>> ReadAllAsync(SpoolClient client, SpoolExchange exchange, CancellationToken cancellationToken)
    {
        var handles = new List<SpoolSourceHandle>();
        await foreach (var batch in exchange.GetSourceHandlesAsync(cancellationToken))
            handles.AddRange(batch.Handles);
        var selector = new OutputSelector.Builder().SetPartitionCount(exchange.ExchangeId, 1).Include(exchange.ExchangeId, 0, 0).SetFinal().Build();
        return await ReadAsync(client, handles, selector, cancellationToken);
    }

    /// <summary>Every page of <paramref name="handles"/> that <paramref name="selector"/> lets through, in the order a source returns them.</summary>
    internal static async Task<List<byte[]>> ReadAsync(SpoolClient client, IEnumerable<SpoolSourceHandle> handles, OutputSelector selector,
        CancellationToken cancellationToken)
    {
        await using var source = client.CreateSource();
        source.SetOutputSelector(selector);
        source.AddSourceHandles(handles);
        source.NoMoreSourceHandles();
        var read = new List<byte[]>();
        while (!source.IsFinished)
        {
            if (source.Read() is { } page)
                read.Add(page);
            else
                await source.IsBlocked().WaitAsync(cancellationToken);
        }
        return read;
    }

    private static string? FirstDifference(List<byte[]> written, List<byte[]> read)
    {
        for (var i = 0; i < Math.Min(written.Count, read.Count); i++)
        {
            if (!written[i].AsSpan().SequenceEqual(read[i]))
                return $"page {i} came back different ({read[i].Length} bytes read, {written[i].Length} written)";
        }
        return written.Count == read.Count ? null : $"{read.Count} pages came back, {written.Count} were written";
    }

    private static string Describe(Exception e) => e switch
    {
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}" + (rpc.Status.DebugException is { } cause ? $" ({cause.Message})" : ""),
        OperationCanceledException => $"no answer within {Deadline.TotalSeconds:F0} s",
        _ => e.Message,
    };

    private sealed record Options(Uri Address, string? CaFile, string? TokenFile)
    {
        public static Options Parse(IEnumerable<string> args)
        {
            Uri? address = null;
            string? caFile = null;
            string? tokenFile = null;
            foreach (var argument in args)
            {
                var (name, value) = argument.Split('=', 2) is [var n, var v] ? (n, v) : (argument, "");
                switch (name)
                {
                    case "--address" when Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https":
                        address = uri;
                        break;
                    case "--address":
                        throw new FormatException($"--address must be an http:// or https:// URL, not '{value}'");
                    case "--ca-file" when value.Length > 0:
                        caFile = value;
                        break;
                    case "--token-file" when value.Length > 0:
                        tokenFile = value;
                        break;
                    default:
                        throw new FormatException($"unexpected argument '{argument}'");
                }
            }
            return new Options(address ?? throw new FormatException("--address is required"), caFile, tokenFile);
        }
    }
}
