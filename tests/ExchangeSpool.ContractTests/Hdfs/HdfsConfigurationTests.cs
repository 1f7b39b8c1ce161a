using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Storage.Hdfs;

namespace ExchangeSpool.ContractTests.Hdfs;

/// <summary>
/// Namenode addresses from core-site.xml and hdfs-site.xml shaped like a real cluster's (the
/// Stackable operator's discovery ConfigMap, a plain single-namenode cluster), as Trino reads them
/// through <c>hdfs.config.resources</c>.
/// </summary>
public sealed class HdfsConfigurationTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "spool-hadoop-xml-" + Guid.NewGuid().ToString("N"));

    public HdfsConfigurationTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void HaNameservice_ListsEachNamenodesHttpAddress_InConfiguredOrder()
    {
        var configuration = Load(StackableCoreSite(), StackableHdfsSite(policy: "HTTP_ONLY"));

        var namenodes = Resolve("hdfs://simple-hdfs/trino/exchange", configuration);

        Assert.Equal(
            ["http://simple-hdfs-namenode-default-0.simple-hdfs-namenode-default.default.svc.cluster.local:9870/",
             "http://simple-hdfs-namenode-default-1.simple-hdfs-namenode-default.default.svc.cluster.local:9870/"],
            namenodes.Select(uri => uri.ToString()));
    }

    [Fact]
    public void HttpsOnlyPolicy_UsesTheHttpsAddresses()
    {
        var configuration = Load(StackableCoreSite(), StackableHdfsSite(policy: "HTTPS_ONLY"));

        var namenodes = Resolve("hdfs://simple-hdfs/trino/exchange", configuration);

        Assert.Equal(
            ["https://simple-hdfs-namenode-default-0.simple-hdfs-namenode-default.default.svc.cluster.local:9871/",
             "https://simple-hdfs-namenode-default-1.simple-hdfs-namenode-default.default.svc.cluster.local:9871/"],
            namenodes.Select(uri => uri.ToString()));
    }

    [Fact]
    public void EmptyAuthority_IsTheClusterOfFsDefaultFs()
    {
        var configuration = Load(StackableCoreSite(), StackableHdfsSite(policy: "HTTP_AND_HTTPS"));

        var location = HdfsLocation.Parse("hdfs:///trino/exchange").InCluster(configuration);

        Assert.Equal(new HdfsLocation("hdfs", "simple-hdfs", "/trino/exchange"), location);
        Assert.Equal(2, NamenodeAddresses.Resolve(location, configuration).Count);
    }

    [Fact]
    public void SingleNamenode_ByRpcAddress_UsesTheWildcardHttpAddresssPortOnItsHost()
    {
        var configuration = Load(HadoopXml.Configuration(("fs.defaultFS", "hdfs://namenode.example.com:8020")),
            HadoopXml.Configuration(("dfs.namenode.http-address", "0.0.0.0:50070")));

        Assert.Equal(["http://namenode.example.com:50070/"], Resolve("hdfs://namenode.example.com:8020/spool", configuration).Select(uri => uri.ToString()));
    }

    [Fact]
    public void SingleNamenode_WithoutAnyXml_UsesHadoop3sDefaultHttpPort()
    {
        Assert.Equal(["http://namenode.example.com:9870/"], Resolve("hdfs://namenode.example.com:8020/spool", HadoopConfiguration.Empty).Select(uri => uri.ToString()));
    }

    [Fact]
    public void WebHdfsScheme_NamesTheHttpAddressDirectly_AsForAnHttpFsGateway()
    {
        Assert.Equal(["http://httpfs.example.com:14000/"], Resolve("webhdfs://httpfs.example.com:14000/spool", HadoopConfiguration.Empty).Select(uri => uri.ToString()));
        Assert.Equal(["https://httpfs.example.com:14000/"], Resolve("swebhdfs://httpfs.example.com:14000/spool", HadoopConfiguration.Empty).Select(uri => uri.ToString()));
    }

    [Fact]
    public void Kerberos_IsRefusedAtStart_InOneLineNamingTheSetting()
    {
        var coreSite = Write("core-site.xml", HadoopXml.Configuration(
            ("fs.defaultFS", "hdfs://simple-hdfs"),
            ("hadoop.security.authentication", "kerberos"),
            ("hadoop.security.authorization", "true")));

        var error = Assert.Throws<ConfigurationException>(() => new HdfsStorage(["hdfs://simple-hdfs/spool"], new HdfsOptions { ConfigResources = [coreSite] }, new MemoryBudget(long.MaxValue)));

        Assert.Equal($"hdfs.config.resources: hadoop.security.authentication=kerberos in {coreSite}: Kerberos (SPNEGO) is not supported yet, only simple authentication (exchange.hdfs.user)", error.Message);
    }

    [Fact]
    public void NamenodeListedWithoutAnAddress_IsRefusedNamingTheMissingKey()
    {
        var configuration = Load(HadoopXml.Configuration(
            ("dfs.nameservices", "ns1"),
            ("dfs.ha.namenodes.ns1", "nn1,nn2"),
            ("dfs.namenode.http-address.ns1.nn1", "nn1.example.com:9870")));

        var error = Assert.Throws<ConfigurationException>(() => Resolve("hdfs://ns1/spool", configuration));

        Assert.Equal("hdfs.config.resources: dfs.namenode.http-address.ns1.nn2 is not set, but dfs.ha.namenodes.ns1 lists namenode 'nn2'", error.Message);
    }

    [Fact]
    public void UnknownHttpPolicy_IsRefusedNamingItsFile()
    {
        var hdfsSite = Write("hdfs-site.xml", HadoopXml.Configuration(("dfs.http.policy", "HTTPS_PLEASE")));

        var error = Assert.Throws<ConfigurationException>(() => Resolve("hdfs://nn:8020/spool", HadoopConfiguration.Load([hdfsSite])));

        Assert.Equal($"hdfs.config.resources: dfs.http.policy=HTTPS_PLEASE in {hdfsSite} is not HTTP_ONLY, HTTPS_ONLY or HTTP_AND_HTTPS", error.Message);
    }

    [Fact]
    public void FileThatIsNotHadoopXml_IsRefusedNamingIt()
    {
        var file = Write("core-site.xml", "fs.defaultFS=hdfs://nn");

        var error = Assert.Throws<ConfigurationException>(() => HadoopConfiguration.Load([file]));

        Assert.StartsWith($"hdfs.config.resources: '{file}' cannot be read as Hadoop configuration XML", error.Message);
    }

    [Fact]
    public void LaterFilesOverrideEarlierOnes_ExceptFinalProperties_AndReferencesAreExpanded()
    {
        var configuration = Load(
            HadoopXml.Configuration(("a", "1"), ("host", "nn.example.com")).Replace("<value>1</value>", "<value>1</value><final>true</final>"),
            HadoopXml.Configuration(("a", "2"), ("b", "3"), ("address", "${host}:9870")));

        Assert.Equal("1", configuration.Get("a"));
        Assert.Equal("3", configuration.Get("b"));
        Assert.Equal("nn.example.com:9870", configuration.Get("address"));
    }

    [Fact]
    public void EmptyAuthority_WithoutFsDefaultFs_IsRefusedNamingTheKey()
    {
        var error = Assert.Throws<ConfigurationException>(() => HdfsLocation.Parse("hdfs:///spool").InCluster(HadoopConfiguration.Empty));

        Assert.Equal("hdfs.config.resources: 'hdfs:///spool' names no cluster and no fs.defaultFS is set", error.Message);
    }

    [Theory]
    [InlineData("hdfs://simple-hdfs/a//b")]
    [InlineData("hdfs://simple-hdfs/a/../b")]
    [InlineData("hdfs://simple-hdfs/./b")]
    public void PathsWithEmptyOrDotSegments_AreRefused(string baseDirectory)
    {
        var error = Assert.Throws<ArgumentException>(() => HdfsLocation.Parse(baseDirectory));
        Assert.Contains(baseDirectory, error.Message);
    }

    /// <summary>core-site.xml as the Stackable HDFS operator's discovery ConfigMap has it.</summary>
    private static string StackableCoreSite() => HadoopXml.Configuration(
        ("fs.defaultFS", "hdfs://simple-hdfs/"),
        ("hadoop.security.authentication", "simple"));

    /// <summary>hdfs-site.xml as the Stackable HDFS operator's discovery ConfigMap has it (two namenodes).</summary>
    private static string StackableHdfsSite(string policy)
    {
        const string Host = "simple-hdfs-namenode-default-{0}.simple-hdfs-namenode-default.default.svc.cluster.local";
        return HadoopXml.Configuration(
            ("dfs.nameservices", "simple-hdfs"),
            ("dfs.client.failover.proxy.provider.simple-hdfs", "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider"),
            ("dfs.ha.namenodes.simple-hdfs", "simple-hdfs-namenode-default-0,simple-hdfs-namenode-default-1"),
            ("dfs.namenode.rpc-address.simple-hdfs.simple-hdfs-namenode-default-0", string.Format(Host, 0) + ":8020"),
            ("dfs.namenode.rpc-address.simple-hdfs.simple-hdfs-namenode-default-1", string.Format(Host, 1) + ":8020"),
            ("dfs.namenode.http-address.simple-hdfs.simple-hdfs-namenode-default-0", string.Format(Host, 0) + ":9870"),
            ("dfs.namenode.http-address.simple-hdfs.simple-hdfs-namenode-default-1", string.Format(Host, 1) + ":9870"),
            ("dfs.namenode.https-address.simple-hdfs.simple-hdfs-namenode-default-0", string.Format(Host, 0) + ":9871"),
            ("dfs.namenode.https-address.simple-hdfs.simple-hdfs-namenode-default-1", string.Format(Host, 1) + ":9871"),
            ("dfs.http.policy", policy));
    }

    private static IReadOnlyList<Uri> Resolve(string baseDirectory, HadoopConfiguration configuration) =>
        NamenodeAddresses.Resolve(HdfsLocation.Parse(baseDirectory).InCluster(configuration), configuration);

    private HadoopConfiguration Load(params string[] contents) =>
        HadoopConfiguration.Load(contents.Select((content, i) => Write($"{i}-site.xml", content)).ToArray());

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }
}
