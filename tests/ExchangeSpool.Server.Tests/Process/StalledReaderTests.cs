using System.Buffers.Binary;
using ExchangeSpool.Client;

namespace ExchangeSpool.Server.Tests.Process;

/// <summary>
/// Source streams whose consumers stopped reading, on a small memory budget, beside a writer and a
/// reader that did not (issue 13, fair memory), against the real program. Every wait is bounded by
/// <see cref="SpoolProcess.Timeout"/>; none of these tests measures time.
/// </summary>
public sealed class StalledReaderTests
{
    private const int StalledReaders = 48;
    private const int Partitions = 8;
    private const int PageSize = 64 * 1024;
    /// <summary>2 MiB a partition: two blocks a file, sixteen a stream, more than its read-ahead holds.</summary>
    private const int PagesPerPartition = 32;
    /// <summary>A block of the default 1 MiB sink buffer size: what each stalled stream holds at least, the one it is sending.</summary>
    private const long Block = 1L << 20;

    [Fact]
    public async Task Write_Beside48StalledReaders_Commits()
    {
        using var spool = await SpoolProcess.StartAsync("--exchange.spool.memory-limit=128MB");
        await using var stalled = await StalledSources.OpenAsync(spool.Address);
        using var writer = new SpoolClient(spool.Address);
        await using var exchange = await writer.CreateExchangeAsync("written", "e", 1, false);
        var sink = exchange.AddSink(0);
        var pages = writer.CreateSink(exchange.InstantiateSink(sink, 0));
        var page = new byte[PageSize];

        var result = await Bounded.Within(async deadline =>
        {
            for (var i = 0; i < 30 * 16; i++)
            {
                await pages.IsBlocked.WaitAsync(deadline);
                pages.Add(0, page);
            }
            return await pages.FinishAsync().WaitAsync(deadline);
        }, "a 30 MiB write beside 48 stalled readers to commit");

        Assert.Equal(30L * 16, result.PageCount);
    }

    [Fact]
    public async Task StalledReadersResumingAfterAnotherReaderTookTheirReadAhead_GetEveryPageExactlyOnceInOrder()
    {
        using var spool = await SpoolProcess.StartAsync("--exchange.spool.memory-limit=128MB");
        await using var stalled = await StalledSources.OpenAsync(spool.Address);
        using var reader = new SpoolClient(spool.Address);

        // The stalled streams want five times read-ahead's share of the budget: this reader gets memory
        // only as theirs is reclaimed, and they read what they lost again when they resume.
        var pages = await Bounded.Within(deadline => ReadToEndAsync(reader, stalled.Exchange, stalled.Handles, deadline),
            "a reader beside 48 stalled ones to read its source to the end");

        TaggedPages.AssertComplete(pages, "the reader beside the stalled ones");
        for (var i = 0; i < StalledReaders; i++)
            TaggedPages.AssertComplete(await stalled.ResumeAsync(i), $"stalled reader {i}");
    }

    private static async Task<List<byte[]>> ReadToEndAsync(SpoolClient client, SpoolExchange exchange, IReadOnlyList<SpoolSourceHandle> handles,
        CancellationToken deadline)
    {
        await using var source = OpenSource(client, exchange, handles);
        return await DrainAsync(source, deadline);
    }

    private static SpoolSource OpenSource(SpoolClient client, SpoolExchange exchange, IReadOnlyList<SpoolSourceHandle> handles)
    {
        var source = client.CreateSource();
        source.SetOutputSelector(new OutputSelector.Builder()
            .SetPartitionCount(exchange.ExchangeId, 1).Include(exchange.ExchangeId, 0, 0).SetFinal().Build());
        source.AddSourceHandles(handles);
        source.NoMoreSourceHandles();
        return source;
    }

    private static async Task<List<byte[]>> DrainAsync(SpoolSource source, CancellationToken deadline)
    {
        var pages = new List<byte[]>();
        while (!source.IsFinished)
        {
            if (source.Read() is { } page)
                pages.Add(page);
            else
                await source.IsBlocked().WaitAsync(deadline);
        }
        return pages;
    }

    /// <summary>
    /// One exchange written in tagged pages and read by 48 sources whose consumer takes nothing: their
    /// client stops reading after one page, and a 64 KiB stream window lets little more through.
    /// </summary>
    private sealed class StalledSources : IAsyncDisposable
    {
        private readonly SpoolClient _writer;
        private readonly SpoolClient _stalledClient;
        private readonly List<SpoolSource> _sources = [];

        private StalledSources(Uri address)
        {
            _writer = new SpoolClient(address);
            _stalledClient = new SpoolClient(address, new SpoolClientOptions { SourceBufferSize = 1, StreamWindowSize = 64 * 1024 });
        }

        public SpoolExchange Exchange { get; private set; } = null!;

        public IReadOnlyList<SpoolSourceHandle> Handles { get; private set; } = [];

        /// <summary>Opens them and returns once the server holds as much memory as a block for each of them.</summary>
        public static async Task<StalledSources> OpenAsync(Uri address)
        {
            var stalled = new StalledSources(address);
            try
            {
                await stalled.WriteAsync();
                for (var i = 0; i < StalledReaders; i++)
                    stalled._sources.Add(OpenSource(stalled._stalledClient, stalled.Exchange, stalled.Handles));
                await stalled.UntilMemoryHoldsABlockPerReaderAsync();
                return stalled;
            }
            catch
            {
                await stalled.DisposeAsync();
                throw;
            }
        }

        /// <summary>Its consumer comes back and reads everything.</summary>
        public Task<List<byte[]>> ResumeAsync(int reader) =>
            Bounded.Within(deadline => DrainAsync(_sources[reader], deadline), $"stalled reader {reader} to read to the end once resumed");

        public async ValueTask DisposeAsync()
        {
            foreach (var source in _sources)
                await source.DisposeAsync();
            if (Exchange is not null)
                await Exchange.DisposeAsync();
            _stalledClient.Dispose();
            _writer.Dispose();
        }

        private async Task WriteAsync()
        {
            Exchange = await _writer.CreateExchangeAsync("stalled", "e", Partitions, false);
            var sink = Exchange.AddSink(0);
            var pages = _writer.CreateSink(Exchange.InstantiateSink(sink, 0));
            for (var sequence = 0; sequence < PagesPerPartition; sequence++)
            {
                for (var partition = 0; partition < Partitions; partition++)
                {
                    await pages.IsBlocked.WaitAsync(SpoolProcess.Timeout);
                    pages.Add(partition, TaggedPages.Make(partition, sequence));
                }
            }
            await pages.FinishAsync().WaitAsync(SpoolProcess.Timeout);
            Exchange.SinkFinished(sink, 0);
            Exchange.NoMoreSinks();
            Exchange.AllRequiredSinksFinished();
            var handles = new List<SpoolSourceHandle>();
            await foreach (var batch in Exchange.GetSourceHandlesAsync())
                handles.AddRange(batch.Handles);
            Handles = handles;
        }

        private async Task UntilMemoryHoldsABlockPerReaderAsync()
        {
            var deadline = DateTime.UtcNow + SpoolProcess.Timeout;
            while ((await _writer.GetServerInfoAsync()).MemoryUsedBytes < StalledReaders * Block)
            {
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"the stalled readers did not take a block's worth of memory each within {SpoolProcess.Timeout}");
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Liveness bounds: a step that does not finish within <see cref="SpoolProcess.Timeout"/> fails the test, naming what it waited for.</summary>
    private static class Bounded
    {
        public static async Task<T> Within<T>(Func<CancellationToken, Task<T>> step, string what)
        {
            using var deadline = new CancellationTokenSource(SpoolProcess.Timeout);
            try
            {
                return await step(deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"waited {SpoolProcess.Timeout} for {what}");
            }
        }
    }

    /// <summary>Pages that carry (partition, sequence) and bytes that follow from them, so loss, duplication, reordering and damage all show.</summary>
    private static class TaggedPages
    {
        public static byte[] Make(int partition, int sequence)
        {
            var page = new byte[PageSize];
            new Random(partition * 1_000_003 + sequence).NextBytes(page);
            BinaryPrimitives.WriteInt32LittleEndian(page, partition);
            BinaryPrimitives.WriteInt32LittleEndian(page.AsSpan(4), sequence);
            return page;
        }

        /// <summary>Every page of every partition, byte for byte, each once, and in write order within its partition.</summary>
        public static void AssertComplete(List<byte[]> pages, string reader)
        {
            Assert.True(pages.Count == Partitions * PagesPerPartition, $"{reader}: {pages.Count} pages, expected {Partitions * PagesPerPartition}");
            foreach (var partition in pages.GroupBy(p => BinaryPrimitives.ReadInt32LittleEndian(p)))
            {
                var sequence = 0;
                foreach (var page in partition)
                {
                    Assert.True(Make(partition.Key, sequence).AsSpan().SequenceEqual(page),
                        $"{reader}: page {sequence} of partition {partition.Key} is not the one written there (tag {BinaryPrimitives.ReadInt32LittleEndian(page.AsSpan(4))})");
                    sequence++;
                }
            }
        }
    }
}
