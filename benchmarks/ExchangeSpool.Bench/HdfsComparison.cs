using ExchangeSpool.ContractTests.Hdfs;

namespace ExchangeSpool.Bench;

/// <summary>
/// ExchangeSpool on HDFS against the same bytes moved with plain WebHDFS requests
/// (<see cref="DirectWebHdfs"/>), both against one WebHDFS server (the tests' own, an HA pair and a
/// datanode in this process: no Hadoop can be installed here) and measured in interleaved rounds.
/// </summary>
public static class HdfsComparison
{
    private const string User = "spool";

    public static async Task<HdfsResult> MeasureAsync(string directory, int sinks, int partitions, long bytes, int pageSize, int repetitions,
        IProgress<double> progress)
    {
        await using var server = await WebHdfsTestServer.StartAsync();
        var xml = server.WriteHadoopXml(Path.Combine(directory, "hadoop-conf"));
        using var direct = await DirectWebHdfs.StartAsync(server.NamenodeUris[server.Active], User, "/bench", sinks, partitions, bytes);
        await using var spool = await SpoolEndToEnd.StartAsync(directory, sinks, partitions, bytes, pageSize,
            $"exchange.base-directories=hdfs://{WebHdfsTestServer.Nameservice}/spool", $"hdfs.config.resources={string.Join(',', xml)}", $"exchange.hdfs.user={User}");
        var measured = await Interleaving.MeasureAsync([direct, spool], repetitions, progress);
        return new HdfsResult("the tests' WebHDFS server in this process", sinks, partitions, DirectWebHdfs.BlockSize, measured[0], measured[1]);
    }
}

public sealed record HdfsResult(string Server, int Sinks, int Partitions, int BlockSize, RepeatedDirections Direct, RepeatedDirections Spool);
