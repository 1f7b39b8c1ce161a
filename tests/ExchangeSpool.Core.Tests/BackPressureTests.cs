using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

/// <summary>Sinks under a memory budget far smaller than their data: they wait, never overrun, never deadlock.</summary>
public sealed class BackPressureTests : SpoolTest
{
    private const int MiB = (int)SpoolOptions.MiB;
    private const int Partitions = 50;
    /// <summary>Only bounds a deadlock; never asserted on.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private static readonly SpoolOptions Tight = new()
    {
        MaxPageStorageSize = MiB,
        SinkBufferSize = 64 * 1024,
        MemoryLimit = 2 * (MiB + 64 * 1024),
    };

    /// <summary>Mostly small pages over all partitions, with a largest-possible page now and then.</summary>
    private static List<TestPage> Workload(int sink, int count) =>
        Pages.Spread(sink, Partitions, count, i => i % 97 == 13 ? MiB - 4 : i * 7919 % 16_000);

    /// <summary>Records the highest Budget.Used seen while it runs.</summary>
    private sealed class BudgetSampler : IAsyncDisposable
    {
        private readonly MemoryBudget _budget;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private long _max;

        public BudgetSampler(MemoryBudget budget)
        {
            _budget = budget;
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    _max = Math.Max(_max, _budget.Used);
                    await Task.Yield();
                }
            });
        }

        public async Task<long> StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            return Math.Max(_max, _budget.Used);
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }
    }

    private static async Task AssertReadBackAsync(SpoolHarness spool, ExchangeSpec spec, int sink, List<TestPage> pages, CancellationToken ct)
    {
        var read = await spool.ReadAttemptAsync(spec, sink, 0, ct);
        var expected = Pages.ByPartition(pages, Partitions);
        for (var p = 0; p < Partitions; p++)
            Pages.AssertSame(expected[p], read[p], $"sink {sink} partition {p}");
    }

    [Fact]
    public async Task Sink_ManyMiBOverFiftyPartitions_StaysWithinBudgetAndReadsBack()
    {
        var spool = NewSpool(Tight);
        var spec = spool.Exchange("e1", Partitions);
        var pages = Workload(0, 3000);
        Assert.True(pages.Sum(p => (long)p.Payload.Length) > 10 * Tight.MemoryLimit);
        await using var sampler = new BudgetSampler(spool.Context.Budget);

        await spool.WriteAttemptAsync(spec, 0, 0, pages, Ct).WaitAsync(HangGuard, Ct);

        Assert.InRange(await sampler.StopAsync(), 0, spool.Context.Budget.Limit);
        spool.AssertNoBuffersHeld();
        await AssertReadBackAsync(spool, spec, 0, pages, Ct);
    }

    [Fact]
    public async Task Sinks_SeveralAttemptsInParallelOnOneBudget_AllFinish()
    {
        var spool = NewSpool(Tight);
        var spec = spool.Exchange("e1", Partitions);
        var workloads = Enumerable.Range(0, 4).Select(sink => Workload(sink, 1200)).ToArray();
        await using var sampler = new BudgetSampler(spool.Context.Budget);

        await Task.WhenAll(workloads.Select((pages, sink) =>
                Task.Run(() => spool.WriteAttemptAsync(spec, sink, 0, pages, Ct, batchBytes: 256 * 1024))))
            .WaitAsync(HangGuard, Ct);

        Assert.InRange(await sampler.StopAsync(), 0, spool.Context.Budget.Limit);
        spool.AssertNoBuffersHeld();
        for (var sink = 0; sink < workloads.Length; sink++)
            await AssertReadBackAsync(spool, spec, sink, workloads[sink], Ct);
    }
}
