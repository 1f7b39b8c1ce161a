using ExchangeSpool.Client;
using ExchangeSpool.ContractTests.S3;

namespace ExchangeSpool.Bench;

/// <summary>
/// The server's peak resident memory while many sinks write at once, against the memory budget it is
/// configured with plus 150 MiB for the runtime, code, Kestrel and per-stream state. The server is a
/// child process (its RSS is its own); the kernel's high-water mark (VmHWM) is read at the end and
/// VmRSS is sampled meanwhile as a check on it. A shape may give each sink (and then each source) a
/// connection of its own, as separate clients do: the server then buffers up to a stream's receive
/// window for each stream whose data it is not reading yet, which one shared connection bounds.
/// </summary>
public static class PeakRss
{
    public const long Allowance = 150L << 20;

    public static async Task<RssResult> MeasureAsync(string directory, RssShape shape, BenchOptions options)
    {
        if (!shape.OnS3)
            return await MeasureAsync(directory, shape, options, []);
        if (S3TestEndpoint.Unavailable is { } reason)
            return Failed(shape, options, $"S3 unavailable: {reason}");
        await using var endpoint = await S3TestEndpoint.StartAsync();
        var bucket = (await endpoint.CreateBucketsAsync(1))[0];
        try
        {
            return await MeasureAsync(directory, shape, options, [$"exchange.base-directories=s3://{bucket}/rss", .. endpoint.ServerSettings()]);
        }
        finally
        {
            await endpoint.DeleteBucketsAsync([bucket]);
        }
    }

    private static RssResult Failed(RssShape shape, BenchOptions options, string failure) =>
        new(shape.Sinks, shape.Partitions, shape.ConnectionPerStream, shape.OnS3, options.RssBytesPerSink * shape.Sinks,
            shape.MemoryLimit ?? options.RssMemoryLimit, 0, 0, failure);

    private static async Task<RssResult> MeasureAsync(string directory, RssShape shape, BenchOptions options, IEnumerable<string> storageSettings)
    {
        var (sinks, partitions, _, connectionPerStream, onS3) = shape;
        var memoryLimit = shape.MemoryLimit ?? options.RssMemoryLimit;
        using var server = await ServerProcess.StartAsync(directory,
        [
            $"exchange.spool.memory-limit={memoryLimit / 1024}kB",
            $"exchange.max-output-partition-count={Math.Max(partitions, 50)}",
            .. storageSettings,
        ]);
        var (idle, _) = server.Memory();
        using var client = new SpoolClient(server.Address);
        var streamClients = connectionPerStream ? Enumerable.Range(0, sinks).Select(_ => new SpoolClient(server.Address)).ToArray() : [];
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(() => SampleAsync(server, sampling.Token));
        var bytes = options.RssBytesPerSink * sinks;
        var workload = new SpoolWorkload(client, sinks, partitions, bytes, PageData.Random(options.PageSize),
            connectionPerStream ? stream => streamClients[stream] : null);
        string? failure = null;
        try
        {
            var exchange = await SpoolWorkload.CreateExchangeAsync(client, partitions);
            await workload.WriteAsync(exchange);
            await workload.ReadAsync(exchange);
            await exchange.CloseAsync();
        }
        catch (Exception e)
        {
            // A failed sink or an out-of-memory server is a result of this section, not a crash of the harness.
            failure = $"{e.GetType().Name}: {e.Message}";
        }
        foreach (var streamClient in streamClients)
            streamClient.Dispose();
        await sampling.CancelAsync();
        var sampled = await sampler;
        var peak = server.Memory().Peak;
        return new RssResult(sinks, partitions, connectionPerStream, onS3, bytes, memoryLimit, idle, Math.Max(peak, sampled), failure);
    }

    private static async Task<long> SampleAsync(ServerProcess server, CancellationToken stop)
    {
        long max = 0;
        while (!stop.IsCancellationRequested)
        {
            max = Math.Max(max, server.Memory().Rss);
            try { await Task.Delay(20, stop); } catch (OperationCanceledException) { break; }
        }
        return max;
    }
}

public sealed record RssResult(int Sinks, int Partitions, bool ConnectionPerStream, bool OnS3, long Bytes, long MemoryLimit, long IdleRssBytes, long PeakRssBytes, string? Failure)
{
    public long Allowed => MemoryLimit + Bench.PeakRss.Allowance;

    public double Ratio => PeakRssBytes / (double)Allowed;
}
