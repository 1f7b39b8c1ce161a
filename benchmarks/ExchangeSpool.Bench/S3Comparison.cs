using System.Diagnostics;
using Amazon.S3.Model;
using ExchangeSpool.ContractTests.S3;

namespace ExchangeSpool.Bench;

/// <summary>
/// ExchangeSpool on S3 against the same bytes moved with AWSSDK.S3 directly (<see cref="DirectS3"/>),
/// both against one S3 endpoint and measured in interleaved rounds (direct, spool, direct, ...), twice:
/// unpinned, then with the gateway's daemons on CPU 1 and the harness and the spool server on CPU 0
/// (when the gateway is the tests' own and taskset is there). The spool server is a child process, so
/// its CPU seconds per GB are its own, beside the harness's while it runs the direct client.
/// </summary>
public static class S3Comparison
{
    private const int MaxSettlingRounds = 4;

    public static async Task<IReadOnlyList<S3Result>> MeasureAsync(string directory, int sinks, int partitions, long bytes, int pageSize, int repetitions,
        IProgress<double> progress)
    {
        await using var endpoint = await S3TestEndpoint.StartAsync();
        using var s3 = endpoint.CreateClient();
        var bucket = $"spool-bench-{Guid.NewGuid():N}"[..30];
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        using var harness = Process.GetCurrentProcess();
        var direct = await DirectS3.StartAsync(s3, bucket, sinks, partitions, bytes);
        await using var spool = await SpoolEndToEnd.StartProcessAsync(directory, sinks, partitions, bytes, pageSize,
            [$"exchange.base-directories=s3://{bucket}/spool", "exchange.spool.metrics-address=127.0.0.1:0", .. endpoint.ServerSettings()]);
        var server = spool.Process!;
        var directSettling = new CpuAccounted(direct, HarnessCpu, bytes);
        var spoolSettling = new CpuAccounted(spool, () => server.CpuTime, bytes);
        await directSettling.SettleAsync(MaxSettlingRounds);
        await spoolSettling.SettleAsync(MaxSettlingRounds);
        var pinnable = endpoint.Gateway is { } gateway && CpuPinning.IsAvailable && Environment.ProcessorCount >= 2 ? gateway : null;
        var results = new List<S3Result>();
        foreach (var pinned in pinnable is null ? [false] : new[] { false, true })
        {
            if (pinned)
            {
                await CpuPinning.PinAsync(pinnable!.DaemonPids, "1");
                await CpuPinning.PinAsync([harness.Id, server.Pid], "0");
            }
            try
            {
                using var watched = new StorageConcurrency(spool, server.MetricsAddress!);
                var directCpu = new CpuAccounted(direct, HarnessCpu, bytes);
                var spoolCpu = new CpuAccounted(watched, () => server.CpuTime, bytes);
                var measured = await Interleaving.MeasureAsync([directCpu, spoolCpu], repetitions,
                    new Progress<double>(share => progress.Report((results.Count + share) / (pinnable is null ? 1 : 2))));
                results.Add(new S3Result(endpoint.Kind, pinned, sinks, partitions, DirectS3.PartSize, measured[0], measured[1],
                    directCpu.CpuSecondsPerGigabyte, spoolCpu.CpuSecondsPerGigabyte, watched.Of("PUT"), watched.Of("GET"),
                    Math.Max(directSettling.SettlingRounds, spoolSettling.SettlingRounds)));
            }
            finally
            {
                if (pinned)
                    await CpuPinning.PinAsync([.. pinnable!.DaemonPids, harness.Id, server.Pid], $"0-{Environment.ProcessorCount - 1}");
            }
        }
        await endpoint.DeleteBucketsAsync([bucket]);
        return results;

        TimeSpan HarnessCpu()
        {
            harness.Refresh();
            return harness.TotalProcessorTime;
        }
    }
}

/// <param name="GatewayPinned">The gateway on one core, the harness and the spool server on the other.</param>
/// <param name="DirectCpuSecondsPerGigabyte">CPU seconds of the harness process (the direct AWSSDK.S3 client) per GB written plus read.</param>
/// <param name="SpoolServerCpuSecondsPerGigabyte">CPU seconds of the spool server process alone per GB written plus read.</param>
/// <param name="SpoolUploadsInFlight">The spool server's PUT requests in flight while it had any (from its metrics, sampled every 100 ms).</param>
/// <param name="SpoolDownloadsInFlight">Its GET requests in flight while it had any.</param>
/// <param name="SettlingRounds">Unmeasured full rounds before the first phase, until a round cost no more CPU than the one before.</param>
public sealed record S3Result(string Server, bool GatewayPinned, int Sinks, int Partitions, int PartSize, RepeatedDirections Direct, RepeatedDirections Spool,
    double DirectCpuSecondsPerGigabyte, double SpoolServerCpuSecondsPerGigabyte, InFlightFigures SpoolUploadsInFlight, InFlightFigures SpoolDownloadsInFlight,
    int SettlingRounds)
{
    public double CpuRatio => SpoolServerCpuSecondsPerGigabyte / DirectCpuSecondsPerGigabyte;

    public string Placement => GatewayPinned ? "gateway pinned to CPU 1, spool and client to CPU 0" : "unpinned";
}
