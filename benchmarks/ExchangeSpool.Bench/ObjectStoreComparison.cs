using System.Diagnostics;

namespace ExchangeSpool.Bench;

/// <summary>
/// ExchangeSpool on an object store against the same bytes moved with the store's SDK directly, both
/// against one endpoint and measured in interleaved rounds (direct, spool, direct, ...), twice:
/// unpinned, then with the store's own processes on CPU 1 and the harness and the spool server on
/// CPU 0 (when those processes are the tests' own and taskset is there), which resembles a remote
/// store more on a 2-core machine. The spool server is a child process, so its CPU seconds per GB are
/// its own, beside the harness's while it runs the direct client. The S3 and Azure sections are both this.
/// </summary>
public static class ObjectStoreComparison
{
    // At most 3 a subject: Azurite frees deleted blobs every 10 minutes, so each round's bytes stay in its memory until then.
    private const int MaxSettlingRounds = 3;

    public static async Task<IReadOnlyList<ObjectStoreResult>> MeasureAsync(ObjectStoreEndpoint store, string directory, int sinks, int partitions, long bytes,
        int pageSize, int repetitions, IProgress<double> progress)
    {
        using var harness = Process.GetCurrentProcess();
        await using var spool = await SpoolEndToEnd.StartProcessAsync(directory, sinks, partitions, bytes, pageSize,
            [.. store.ServerSettings, "exchange.spool.metrics-address=127.0.0.1:0"]);
        var server = spool.Process!;
        var directSettling = new CpuAccounted(store.Direct, HarnessCpu, bytes);
        var spoolSettling = new CpuAccounted(spool, () => server.CpuTime, bytes);
        await directSettling.SettleAsync(MaxSettlingRounds);
        await spoolSettling.SettleAsync(MaxSettlingRounds);
        var placements = store.Pids.Count > 0 && CpuPinning.IsAvailable && Environment.ProcessorCount >= 2 ? new[] { false, true } : [false];
        var results = new List<ObjectStoreResult>();
        foreach (var pinned in placements)
        {
            if (pinned)
            {
                await CpuPinning.PinAsync(store.Pids, "1");
                await CpuPinning.PinAsync([harness.Id, server.Pid], "0");
            }
            try
            {
                using var watched = new StorageConcurrency(spool, server.MetricsAddress!);
                var directCpu = new CpuAccounted(store.Direct, HarnessCpu, bytes);
                var spoolCpu = new CpuAccounted(watched, () => server.CpuTime, bytes);
                var measured = await Interleaving.MeasureAsync([directCpu, spoolCpu], repetitions,
                    new Progress<double>(share => progress.Report((results.Count + share) / placements.Length)));
                results.Add(new ObjectStoreResult(store.Server, pinned, sinks, partitions, store.PartSize, measured[0], measured[1],
                    directCpu.CpuSecondsPerGigabyte, spoolCpu.CpuSecondsPerGigabyte, watched.Of("PUT"), watched.Of("GET"),
                    Math.Max(directSettling.SettlingRounds, spoolSettling.SettlingRounds)));
            }
            finally
            {
                if (pinned)
                    await CpuPinning.PinAsync([.. store.Pids, harness.Id, server.Pid], $"0-{Environment.ProcessorCount - 1}");
            }
        }
        return results;

        TimeSpan HarnessCpu()
        {
            harness.Refresh();
            return harness.TotalProcessorTime;
        }
    }
}

/// <summary>An object store as <see cref="ObjectStoreComparison"/> measures it.</summary>
/// <param name="Server">What serves the store, for the report.</param>
/// <param name="Direct">The store's SDK moving the same bytes, already warmed up.</param>
/// <param name="PartSize">The unit both sides move bytes in: an S3 part, an Azure block.</param>
/// <param name="ServerSettings">The spool server's settings (<c>key=value</c>) for the store, its base directories included.</param>
/// <param name="Pids">The processes serving the store, to pin to one core, when they are the tests' own; none otherwise.</param>
public sealed record ObjectStoreEndpoint(string Server, IThroughputSubject Direct, int PartSize, IReadOnlyList<string> ServerSettings, IReadOnlyList<int> Pids);

/// <param name="StorePinned">The store's processes on one core, the harness and the spool server on the other.</param>
/// <param name="DirectCpuSecondsPerGigabyte">CPU seconds of the harness process (the direct client) per GB written plus read.</param>
/// <param name="SpoolServerCpuSecondsPerGigabyte">CPU seconds of the spool server process alone per GB written plus read.</param>
/// <param name="SpoolUploadsInFlight">The spool server's PUT requests in flight while it had any (from its metrics, sampled every 100 ms).</param>
/// <param name="SpoolDownloadsInFlight">Its GET requests in flight while it had any.</param>
/// <param name="SettlingRounds">Unmeasured full rounds before the first placement, until a round cost no more CPU than the one before.</param>
public sealed record ObjectStoreResult(string Server, bool StorePinned, int Sinks, int Partitions, int PartSize, RepeatedDirections Direct,
    RepeatedDirections Spool, double DirectCpuSecondsPerGigabyte, double SpoolServerCpuSecondsPerGigabyte, InFlightFigures SpoolUploadsInFlight,
    InFlightFigures SpoolDownloadsInFlight, int SettlingRounds)
{
    public double CpuRatio => SpoolServerCpuSecondsPerGigabyte / DirectCpuSecondsPerGigabyte;

    public string Placement => StorePinned ? "store pinned to CPU 1, spool and client to CPU 0" : "unpinned";
}

/// <summary>One object store's figures (unpinned, then pinned when it could be), or why there are none in this run.</summary>
/// <param name="Store">The store's name in the report: S3, Azure.</param>
/// <param name="DirectClient">The SDK the spool is compared with.</param>
public sealed record ObjectStoreSection(string Store, string DirectClient, IReadOnlyList<ObjectStoreResult> Results, string? NotMeasured);
