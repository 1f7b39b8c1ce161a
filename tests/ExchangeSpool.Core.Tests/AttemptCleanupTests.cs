using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

/// <summary>The files of an attempt that can no longer commit or be read are deleted promptly, not when the exchange closes.</summary>
public sealed class AttemptCleanupTests : SpoolTest
{
    private static List<TestPage> SomePages(int sink = 0) => Pages.Spread(sink, 2, 20, _ => 1000);

    [Fact]
    public async Task Plan_DeletesEveryOtherAttemptOfTheWinnersSinksAndKeepsTheWinners()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 2);
        await spool.WriteAttemptAsync(spec, 0, 0, SomePages(), Ct); // loses: attempt 1 was reported first
        await spool.WriteAttemptAsync(spec, 0, 1, SomePages(), Ct);
        await spool.WriteAttemptAsync(spec, 1, 0, SomePages(1), Ct);
        var crashedMidWrite = spool.FullPath(spool.DataFile(spec, 0, 2, 0, 0)); // what a server killed mid-write leaves
        Directory.CreateDirectory(Path.GetDirectoryName(crashedMidWrite)!);
        await File.WriteAllBytesAsync(crashedMidWrite, new byte[4096], Ct);

        await spool.Planner.PlanAsync(spec, [(0, 1), (1, 0)], Ct);

        await spool.CleanUpsEndedAsync(Ct);
        Assert.False(Directory.Exists(spool.AttemptDirectory(spec, 0, 0)), "a committed losing attempt survived planning");
        Assert.False(Directory.Exists(spool.AttemptDirectory(spec, 0, 2)), "an uncommitted leftover attempt survived planning");
        Assert.Equal(20, (await spool.ReadAttemptAsync(spec, 0, 1, Ct)).Sum(p => p.Count));
        Assert.Equal(20, (await spool.ReadAttemptAsync(spec, 1, 0, Ct)).Sum(p => p.Count));
    }

    [Fact]
    public async Task Plan_AbortsALosingAttemptThisServerIsStillWritingAsNotSelected()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 2);
        await spool.WriteAttemptAsync(spec, 0, 0, SomePages(), Ct);
        var speculative = await spool.Registry.OpenAsync(spec, 0, 1, Ct);
        await SpoolHarness.AddPagesAsync(speculative, SomePages(), Ct);

        await spool.Planner.PlanAsync(spec, [(0, 0)], Ct);

        await Wait.UntilAsync(() => speculative.AbortRequested.IsCancellationRequested, "the losing attempt is asked to abort", Ct);
        Assert.Equal(SpoolErrorReason.AttemptNotSelected, speculative.AbortFailure.Reason);
        await speculative.DisposeAsync(); // what the stream's owner does once its wait is cancelled
        await spool.CleanUpsEndedAsync(Ct);
        Assert.False(Directory.Exists(spool.AttemptDirectory(spec, 0, 1)));
        Assert.Equal(20, (await spool.ReadAttemptAsync(spec, 0, 0, Ct)).Sum(p => p.Count));
    }

    /// <summary>
    /// The report (94-166 MB kept per killed attempt), tried where a stream can break: the
    /// attempt has files and waits for memory (all of it taken here) when its stream is cancelled.
    /// Its files go once its background clean-up ends; files that stayed came from servers killed mid-write, which planning
    /// now deletes (above).
    /// </summary>
    [Fact]
    public async Task StreamBrokenWhileWaitingForMemory_DeletesTheAttemptsFiles()
    {
        var spool = NewSpool(new SpoolOptions { SinkBufferSize = 64 * 1024, MaxPageStorageSize = SpoolOptions.MiB, MemoryLimit = 4 * SpoolOptions.MiB });
        var spec = spool.Exchange("e1", partitions: 2);
        var attempt = await spool.Registry.OpenAsync(spec, 0, 0, Ct);
        await SpoolHarness.AddPagesAsync(attempt, Pages.Spread(0, 1, 10, _ => 50_000), Ct);
        var file = spool.FullPath(spool.DataFile(spec, 0, 0, 0, 0));
        await Wait.UntilAsync(() => File.Exists(file), "the attempt's first file exists", Ct);
        var held = new List<Buffers.SpoolBuffer>();
        using var stream = new CancellationTokenSource();
        // The stream breaks the moment the attempt queues for memory. Polling for a waiter instead
        // missed it on a loaded machine: the attempt's own writes hand their blocks back to it, so
        // it queues only briefly, and it finished all its pages between two polls.
        spool.Context.Budget.Waiting += stream.Cancel;
        TakeFreeMemory(spool, held);
        var adding = SpoolHarness.AddPagesAsync(attempt, Pages.Spread(0, 2, 200, _ => 50_000), stream.Token);
        // Memory is taken until the attempt waits, not once: blocks the attempt was still writing
        // come back to the pool afterwards and would let it write its pages without waiting.
        await Wait.UntilAsync(() =>
        {
            TakeFreeMemory(spool, held);
            return adding.IsCompleted;
        }, "the attempt waits for memory or ends", Ct);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => adding);
        await attempt.DisposeAsync();

        await spool.CleanUpsEndedAsync(Ct);
        Assert.False(Directory.Exists(spool.AttemptDirectory(spec, 0, 0)), "the broken attempt's files stayed");
        held.ForEach(spool.Context.Pool.Return);
    }

    private static void TakeFreeMemory(SpoolHarness spool, List<Buffers.SpoolBuffer> held)
    {
        while (spool.Context.Pool.TryRent(Buffers.MemoryUse.SinkBuffers, Buffers.BufferPool.MinPayloadSize, out var buffer))
            held.Add(buffer);
    }
}
