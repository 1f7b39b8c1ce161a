using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Planning;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

public sealed class HandlePlannerTests : SpoolTest
{
    private static List<long[]> PackSizes(long target, params long[] sizes)
    {
        var handles = new List<PlannedHandle>();
        HandlePlanner.Pack(7, sizes.Select((s, i) => new SourceFileRef(0, 0, i, s)).ToList(), target, handles);
        Assert.All(handles, h => Assert.Equal(7, h.PartitionId));
        Assert.All(handles, h => Assert.Equal(h.Files.Sum(f => f.DataSize), h.DataSize));
        return handles.Select(h => h.Files.Select(f => f.DataSize).ToArray()).ToList();
    }

    [Fact]
    public void Pack_NewHandleOnlyWhenNonEmptyAndNextFilePassesTarget()
    {
        Assert.Equal([[40, 50], [20], [200], [10], [100]], PackSizes(100, 40, 50, 20, 200, 10, 100));
        Assert.Equal([[60, 40], [1]], PackSizes(100, 60, 40, 1));
        Assert.Equal([[250], [100]], PackSizes(100, 250, 100));
        Assert.Equal([[0, 0, 100, 0]], PackSizes(100, 0, 0, 100, 0));
        Assert.Empty(PackSizes(100));
    }

    [Fact]
    public void Pack_KeepsFileOrder()
    {
        var handles = new List<PlannedHandle>();
        var files = Enumerable.Range(0, 10).Select(i => new SourceFileRef(i % 3, i, i, 30)).ToList();

        HandlePlanner.Pack(0, files, 100, handles);

        Assert.Equal(files, handles.SelectMany(h => h.Files));
        Assert.Equal([3, 3, 3, 1], handles.Select(h => h.Files.Count));
    }

    [Fact]
    public async Task Plan_CommittedAttempts_HandlesHoldOnlyWinnersFilesOnePartitionEach()
    {
        var spool = NewSpool(new SpoolOptions
        {
            MaxPageStorageSize = 64 * 1024,
            SinkMaxFileSize = 128 * 1024,
            SourceHandleTargetDataSize = 200 * 1024,
        });
        var spec = spool.Exchange("e1", partitions: 3);
        (int Sink, int Attempt)[] written = [(0, 0), (0, 1), (1, 0), (2, 0), (2, 3)];
        var manifests = new Dictionary<(int, int), Format.CommitManifest>();
        foreach (var (sink, attempt) in written)
            manifests[(sink, attempt)] = await spool.WriteAttemptAsync(spec, sink, attempt, Pages.Spread(sink, 3, 40 + 10 * attempt, i => 10_000 + i), Ct);
        (int, int)[] winners = [(2, 3), (0, 1), (1, 0)];

        var handles = await spool.Planner.PlanAsync(spec, winners, Ct);

        var planned = handles.SelectMany(h => h.Files.Select(f => (h.PartitionId, f.SinkId, f.AttemptId, f.FileIndex, f.DataSize))).ToList();
        var expected = winners.SelectMany(w => manifests[w].Files.Select(f => (f.PartitionId, w.Item1, w.Item2, f.FileIndex, f.DataSize))).ToList();
        Assert.Equal(expected.Order(), planned.Order());
        Assert.Equal(planned.Count, planned.Distinct().Count());
        Assert.True(handles.Count > spec.PartitionCount);
        Assert.All(handles, h => Assert.Equal(h.Files.Sum(f => f.DataSize), h.DataSize));
        Assert.All(handles, h => Assert.True(h.Files.Count == 1 || h.DataSize <= 200 * 1024, $"handle of {h.DataSize} bytes"));
    }

    [Fact]
    public async Task Plan_WinnerWithoutManifest_FailsFailedPrecondition()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 2);
        await spool.WriteAttemptAsync(spec, 0, 0, Pages.Spread(0, 2, 4, _ => 10), Ct);
        await using (var open = await spool.Registry.OpenAsync(spec, 1, 0, Ct))
            await SpoolHarness.AddPagesAsync(open, Pages.Spread(1, 2, 4, _ => 10), Ct);

        var message = await Errors.ExpectAsync(SpoolErrorCode.FailedPrecondition,
            () => spool.Planner.PlanAsync(spec, [(0, 0), (1, 0)], Ct));

        Assert.Contains("sink 1 attempt 0", message);
    }

    [Fact]
    public async Task Plan_SinkListedTwice_FailsInvalidArgument()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 2);
        await spool.WriteAttemptAsync(spec, 0, 0, Pages.Spread(0, 2, 4, _ => 10), Ct);
        await spool.WriteAttemptAsync(spec, 0, 1, Pages.Spread(0, 2, 4, _ => 10), Ct);

        var message = await Errors.ExpectAsync(SpoolErrorCode.InvalidArgument,
            () => spool.Planner.PlanAsync(spec, [(0, 0), (0, 1)], Ct));

        Assert.Contains("sink 0", message);
        Assert.Contains("twice", message);
    }

    [Fact]
    public async Task Plan_NoWinners_ReturnsNoHandles()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 2);

        Assert.Empty(await spool.Planner.PlanAsync(spec, [], Ct));
    }
}
