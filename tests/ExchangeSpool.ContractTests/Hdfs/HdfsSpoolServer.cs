using ExchangeSpool.Core.Storage;
using ExchangeSpool.Storage.Hdfs;

namespace ExchangeSpool.ContractTests.Hdfs;

/// <summary>
/// The contract fixture on HDFS: two base directories on one cluster (the tests' WebHDFS server as
/// an HA nameservice whose first namenode is standby, or the cluster of <c>EXCHANGE_SPOOL_WEBHDFS_URL</c>),
/// the default 4MB append unit and 16MB files, so larger files take a CREATE and several APPENDs.
/// </summary>
public class HdfsSpoolServer : SpoolServerFixture
{
    public HdfsTestCluster Hdfs { get; private set; } = null!;

    public override string[] BaseDirectories => [Hdfs.BaseDirectory("a"), Hdfs.BaseDirectory("b")];

    public HdfsStorage Storage => (HdfsStorage)Server.Context.Storage;

    protected override IEnumerable<string> ExtraArguments =>
        [.. Hdfs.ServerSettings().Select(setting => $"--{setting}"), "--exchange.spool.hdfs.request-timeout=20s"];

    protected override async Task PrepareStorageAsync() => Hdfs = await StartClusterAsync(Path.Combine(Root, "hadoop-conf"));

    protected virtual Task<HdfsTestCluster> StartClusterAsync(string xmlDirectory) => HdfsTestCluster.StartAsync(xmlDirectory);

    protected override Task CleanUpStorageAsync() => Hdfs.DisposeAsync().AsTask();

    /// <summary>Exchange directories are real directories on HDFS: one left empty is a leak too.</summary>
    public override async Task<IReadOnlyList<string>> ExchangeDirectoriesOfQueryAsync(string queryId) =>
        (await Hdfs.EntriesAsync(path => Path.GetFileName(path).Contains($".{queryId}.", StringComparison.Ordinal)))
            .Where(entry => entry.IsDirectory && !entry.Path.Contains($"/{ExchangeLayout.TombstoneDirectoryName}/", StringComparison.Ordinal)
                && !entry.Path.Contains($"/{ExchangeLayout.ActivityDirectoryName}/", StringComparison.Ordinal))
            .Select(entry => entry.Path)
            .ToList();

    /// <summary>Tombstones of closed exchanges are meant to stay (until swept), and activity records until their exchange closes; neither holds exchange data.</summary>
    public override async Task<IReadOnlyList<string>> FilesOfQueryAsync(string queryId) =>
        (await Hdfs.EntriesAsync(path => path.Contains($".{queryId}.", StringComparison.Ordinal)
                && !path.Contains($"/{ExchangeLayout.TombstoneDirectoryName}/", StringComparison.Ordinal)
                && !path.Contains($"/{ExchangeLayout.ActivityDirectoryName}/", StringComparison.Ordinal)))
            .Where(entry => !entry.IsDirectory)
            .Select(entry => entry.Path)
            .ToList();
}

/// <summary>The HDFS fixture with encryption (a standalone generated key) and LZ4, as the local one.</summary>
public sealed class EncryptedCompressedHdfsSpoolServer : HdfsSpoolServer
{
    protected override IEnumerable<string> ExtraArguments => [.. base.ExtraArguments, .. EncryptedCompressedLocalSpoolServer.Arguments(Root)];
}

/// <summary>The HDFS fixture always on the tests' own WebHDFS server, with few, quick retries, for failover and fault tests.</summary>
public sealed class FailoverHdfsSpoolServer : HdfsSpoolServer
{
    public WebHdfsTestServer WebHdfs => Hdfs.Server!;

    protected override IEnumerable<string> ExtraArguments =>
        [.. base.ExtraArguments, "--exchange.spool.hdfs.max-error-retries=3", "--exchange.spool.hdfs.request-timeout=10s", "--exchange.spool.hdfs.max-retry-time=10s"];

    protected override Task<HdfsTestCluster> StartClusterAsync(string xmlDirectory) => HdfsTestCluster.StartTestServerAsync(xmlDirectory);
}

public sealed class HdfsBackendContractTests(HdfsSpoolServer server)
    : ExchangeContractTests(server), IClassFixture<HdfsSpoolServer>;

public sealed class EncryptedCompressedHdfsContractTests(EncryptedCompressedHdfsSpoolServer server)
    : ExchangeContractTests(server), IClassFixture<EncryptedCompressedHdfsSpoolServer>;
