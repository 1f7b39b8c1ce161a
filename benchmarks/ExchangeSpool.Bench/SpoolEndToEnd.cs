namespace ExchangeSpool.Bench;

/// <summary>
/// ExchangeSpool on the local backend with default settings, encryption off and on: S sinks × P
/// partitions × B bytes written and committed, then planned and read back (planning is part of the
/// read time, as it is part of a consumer's wait).
/// </summary>
public static class SpoolEndToEnd
{
    public static async Task<SpoolResult> MeasureAsync(string directory, bool encryption, BenchOptions options)
    {
        await using var server = await InProcessServer.StartAsync(directory, $"exchange.encryption-enabled={(encryption ? "true" : "false")}");
        using var client = server.CreateClient();
        var page = PageData.Random(options.PageSize);

        await SpoolWorkload.WarmUpAsync(client, options.Sinks, options.Partitions, Throughput.WarmUpBytes(options.Bytes, (long)options.Sinks * page.Length), page);

        var workload = new SpoolWorkload(client, options.Sinks, options.Partitions, options.Bytes, page);
        var exchange = await SpoolWorkload.CreateExchangeAsync(client, options.Partitions);
        try
        {
            var write = await Throughput.MeasureAsync(options.Bytes, () => workload.WriteAsync(exchange));
            var read = await Throughput.MeasureAsync(options.Bytes, () => workload.ReadAsync(exchange));
            return new SpoolResult(encryption, new Directions(write, read));
        }
        finally
        {
            await exchange.CloseAsync();
        }
    }
}

public sealed record SpoolResult(bool Encryption, Directions Throughput);
