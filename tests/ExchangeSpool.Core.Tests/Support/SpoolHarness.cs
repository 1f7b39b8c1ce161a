using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Format;
using ExchangeSpool.Core.Planning;
using ExchangeSpool.Core.Sinks;
using ExchangeSpool.Core.Sources;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Storage.Local;

namespace ExchangeSpool.Core.Tests.Support;

/// <summary>One server's worth of Core objects over the test's directories, with the write/read round trips tests share.</summary>
public sealed class SpoolHarness
{
    public const string QueryId = "q1";

    public SpoolHarness(SpoolContext context)
    {
        Context = context;
        Registry = new SinkRegistry(context);
        Lifecycle = new ExchangeLifecycle(context, Registry);
        Planner = new HandlePlanner(context, Registry);
    }

    public SpoolContext Context { get; }

    public SinkRegistry Registry { get; }

    public ExchangeLifecycle Lifecycle { get; }

    public HandlePlanner Planner { get; }

    public LocalExchangeStorage Storage => Context.Storage switch
    {
        LocalExchangeStorage local => local,
        OutageStorage outage => outage.Local,
        var other => throw new InvalidOperationException($"a test spool over {other.Kind} storage has no local paths"),
    };

    public ExchangeSpec Exchange(string exchangeId, int partitions, bool preserveOrder = false) =>
        Lifecycle.Create(new ExchangeKey(QueryId, exchangeId), partitions, preserveOrder);

    /// <summary>Writes <paramref name="pages"/> as one attempt in batches of about <paramref name="batchBytes"/>, finishes it and returns its manifest.</summary>
    public async Task<CommitManifest> WriteAttemptAsync(ExchangeSpec spec, int sinkId, int attemptId, IReadOnlyList<TestPage> pages, CancellationToken ct, int batchBytes = 1 << 20)
    {
        await using (var attempt = await Registry.OpenAsync(spec, sinkId, attemptId, ct))
        {
            await AddPagesAsync(attempt, pages, ct, batchBytes);
            await attempt.FinishAsync(ct);
        }
        return await ManifestAsync(spec, sinkId, attemptId, ct);
    }

    public static async Task AddPagesAsync(SinkAttempt attempt, IEnumerable<TestPage> pages, CancellationToken ct, int batchBytes = 1 << 20)
    {
        var batch = new FrameBuilder();
        foreach (var page in pages)
        {
            batch.Add(page.Partition, page.Payload);
            if (batch.Length >= batchBytes)
            {
                await attempt.AddPagesAsync(batch.ToSequence(), batch.PageCount, ct);
                batch = new FrameBuilder();
            }
        }
        if (batch.PageCount > 0)
            await attempt.AddPagesAsync(batch.ToSequence(), batch.PageCount, ct);
    }

    /// <summary>Closes the exchange as CloseExchange does, waiting for the deletion the server runs in the background.</summary>
    public async Task CloseAsync(ExchangeKey exchange, CancellationToken ct)
    {
        await Lifecycle.CloseAsync(exchange, ct);
        await Lifecycle.DeleteAsync(exchange, ct);
    }

    public Task<CommitManifest> ManifestAsync(ExchangeSpec spec, int sinkId, int attemptId, CancellationToken ct) =>
        Context.LoadManifestAsync(new SinkAttemptId(spec.Key, sinkId, attemptId), ct);

    /// <summary>Every page of a committed attempt, per partition, its files read one after the other in file order.</summary>
    public async Task<List<byte[]>[]> ReadAttemptAsync(ExchangeSpec spec, int sinkId, int attemptId, CancellationToken ct)
    {
        var manifest = await ManifestAsync(spec, sinkId, attemptId, ct);
        var result = Enumerable.Range(0, spec.PartitionCount).Select(_ => new List<byte[]>()).ToArray();
        foreach (var file in manifest.Files.OrderBy(f => f.PartitionId).ThenBy(f => f.FileIndex))
            result[file.PartitionId].AddRange(await ReadFileAsync(spec, sinkId, attemptId, file, ct));
        return result;
    }

    /// <summary>Reads one spool file with <see cref="SpoolFileReader"/>, returning every buffer to the pool.</summary>
    public async Task<List<byte[]>> ReadFileAsync(ExchangeSpec spec, int sinkId, int attemptId, ManifestFile expected, CancellationToken ct)
    {
        var pages = new List<byte[]>();
        await using var reader = await SpoolFileReader.OpenAsync(Context, spec, sinkId, attemptId, expected, ct);
        while (await reader.ReadBlockAsync(ct) is { } block)
        {
            try
            {
                CopyPages(block, pages);
            }
            finally
            {
                Context.Pool.Return(block);
            }
        }
        return pages;
    }

    /// <summary>
    /// Puts <paramref name="bytes"/> in place of a data file and reads it against <paramref name="entry"/>;
    /// returns the data-loss message, or null when it read without error. Any other error fails the test.
    /// </summary>
    public async Task<string?> DataLossReadingAsync(ExchangeSpec spec, int sinkId, int attemptId, ManifestFile entry, byte[] bytes, CancellationToken ct)
    {
        await File.WriteAllBytesAsync(FullPath(DataFile(spec, sinkId, attemptId, entry.PartitionId, entry.FileIndex)), bytes, ct);
        var error = await Record.ExceptionAsync(() => ReadFileAsync(spec, sinkId, attemptId, entry, ct));
        if (error is null)
            return null;
        var spoolError = Assert.IsType<SpoolException>(error);
        Assert.True(spoolError.Code == SpoolErrorCode.DataLoss, $"{spoolError.Code}: {spoolError.Message}");
        return spoolError.Message;
    }

    /// <summary>Runs a <see cref="SourceReader"/> and returns the pages in the order it emitted them.</summary>
    public async Task<List<byte[]>> ReadSourceAsync(SourceRequest request, CancellationToken ct)
    {
        var pages = new List<byte[]>();
        await new SourceReader(Context).ReadAsync(request, (buffer, _) =>
        {
            CopyPages(buffer, pages);
            return ValueTask.CompletedTask;
        }, ct);
        return pages;
    }

    public static void CopyPages(SpoolBuffer buffer, List<byte[]> pages)
    {
        var frames = buffer.PayloadMemory;
        var offset = 0;
        for (var i = 0; i < buffer.PageCount; i++)
            pages.Add(PageFrames.PageAt(frames, ref offset).ToArray());
        Assert.Equal(frames.Length, offset);
    }

    public StoragePath DataFile(ExchangeSpec spec, int sinkId, int attemptId, int partition, int fileIndex) =>
        Context.Layout.DataFile(spec.Key, sinkId, attemptId, partition, fileIndex);

    public string AttemptDirectory(ExchangeSpec spec, int sinkId, int attemptId) =>
        Storage.Resolve(Context.Layout.AttemptDirectory(spec.Key, sinkId, attemptId));

    public string FullPath(StoragePath path) => Storage.Resolve(path);

    /// <summary>Waits until no background clean-up runs: an aborted attempt's files are dealt with then.</summary>
    public Task CleanUpsEndedAsync(CancellationToken ct) =>
        Wait.UntilAsync(() => Context.Cleanups.PendingCount == 0, "the background clean-ups end", ct);

    /// <summary>No buffer is rented: whatever the budget still counts is parked in the pool.</summary>
    public void AssertNoBuffersHeld() =>
        Assert.Equal(0, Context.Budget.Used - Context.Pool.ParkedBytes);
}

public static class Wait
{
    /// <summary>Polls until <paramref name="condition"/> holds; fails (rather than hangs) if it never does.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, CancellationToken ct)
    {
        while (!condition())
        {
            if (ct.IsCancellationRequested)
                Assert.Fail($"gave up waiting until {what}");
            await Task.Delay(5, CancellationToken.None);
        }
    }
}

public static class Errors
{
    /// <summary>Awaits <paramref name="action"/>, asserts it throws a <see cref="SpoolException"/> of <paramref name="code"/> and returns its message.</summary>
    public static async Task<string> ExpectAsync(SpoolErrorCode code, Func<Task> action)
    {
        var error = await Assert.ThrowsAsync<SpoolException>(action);
        Assert.True(code == error.Code, $"expected {code}, got {error.Code}: {error.Message}");
        return error.Message;
    }

    public static string Expect(SpoolErrorCode code, Action action)
    {
        var error = Assert.Throws<SpoolException>(action);
        Assert.True(code == error.Code, $"expected {code}, got {error.Code}: {error.Message}");
        return error.Message;
    }
}
