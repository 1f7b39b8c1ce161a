using System.Text.RegularExpressions;
using ExchangeSpool.Server.Configuration;
using ExchangeSpool.Server.Tests.Process;
using YamlDotNet.RepresentationModel;

namespace ExchangeSpool.Server.Tests.Documentation;

/// <summary>
/// docs/stackable.md's YAML: it parses, every exchange-manager.properties key the operator would
/// write from each TrinoCluster (and every config override) is one the server accepts, and each
/// sidecar reads the generated file from the ConfigMap the operator renders for its role group.
/// </summary>
public sealed partial class StackableExampleTests
{
    /// <summary>The operator's exchangeManager fields and the keys it writes for them (trino-operator, fault_tolerant_execution.rs).</summary>
    private static readonly Dictionary<string, string[]> KeysOfField = new()
    {
        ["sinkBufferPoolMinSize"] = ["exchange.sink-buffer-pool-min-size"],
        ["sinkBuffersPerPartition"] = ["exchange.sink-buffers-per-partition"],
        ["sinkMaxFileSize"] = ["exchange.sink-max-file-size"],
        ["sourceConcurrentReaders"] = ["exchange.source-concurrent-readers"],
        ["s3"] = ["exchange-manager.name", "exchange.base-directories", "exchange.s3.region", "exchange.s3.endpoint", "exchange.s3.path-style-access",
            "exchange.s3.aws-access-key", "exchange.s3.aws-secret-key"],
        ["iamRole"] = ["exchange.s3.iam-role"],
        ["externalId"] = ["exchange.s3.external-id"],
        ["maxErrorRetries"] = ["exchange.s3.max-error-retries"],
        ["uploadPartSize"] = ["exchange.s3.upload.part-size"],
        ["hdfs"] = ["exchange-manager.name", "exchange.base-directories", "hdfs.config.resources"],
        ["blockSize"] = ["exchange.hdfs.block-size"],
        ["skipDirectorySchemeValidation"] = ["exchange.hdfs.skip-directory-scheme-validation"],
        ["local"] = ["exchange-manager.name", "exchange.base-directories"],
    };

    private static readonly IReadOnlyList<YamlMappingNode> Clusters = TrinoClusters();

    [Fact]
    public void The_page_shows_an_S3_and_an_HDFS_cluster()
    {
        Assert.Equal(["hdfs", "s3"], Clusters.Select(cluster => Backend(ExchangeManager(cluster)).Key.ToString()).Order());
    }

    [Fact]
    public void Every_exchange_manager_key_of_the_examples_is_one_the_server_accepts()
    {
        var keys = Clusters.SelectMany(cluster => OperatorKeys(ExchangeManager(cluster))).Distinct().ToList();

        Assert.NotEmpty(keys);
        Assert.All(keys, key => Assert.True(SettingDefinitions.Find(key) is not null, $"the server does not accept '{key}'"));
    }

    [Fact]
    public void Each_config_override_sets_the_spool_manager_and_its_address()
    {
        Assert.All(Clusters, cluster =>
        {
            var overrides = (YamlMappingNode)ExchangeManager(cluster)["configOverrides"];
            Assert.Equal("spool", overrides["exchange-manager.name"].ToString());
            Assert.Equal("127.0.0.1:9477", overrides["exchange.spool.address"].ToString());
        });
    }

    [Fact]
    public void Every_sidecar_reads_the_file_the_operator_renders_for_its_role_group()
    {
        foreach (var cluster in Clusters)
        {
            var name = cluster["metadata"]["name"].ToString();
            foreach (var role in new[] { "coordinators", "workers" })
            {
                foreach (var (group, groupSpec) in (YamlMappingNode)cluster["spec"][role]["roleGroups"])
                {
                    var pod = groupSpec["podOverrides"]["spec"];
                    var sidecar = ((YamlSequenceNode)pod["containers"]).Cast<YamlMappingNode>().Single(c => c["name"].ToString() == "exchange-spool");
                    var configPath = ((YamlSequenceNode)sidecar["args"]).Select(a => a.ToString()).SkipWhile(a => a != "--config").ElementAt(1);
                    var mount = ((YamlSequenceNode)sidecar["volumeMounts"]).Cast<YamlMappingNode>()
                        .Single(m => configPath.StartsWith(m["mountPath"].ToString() + "/", StringComparison.Ordinal));
                    var volume = ((YamlSequenceNode)pod["volumes"]).Cast<YamlMappingNode>().Single(v => v["name"].ToString() == mount["name"].ToString());

                    Assert.Equal($"{name}-{role.TrimEnd('s')}-{group}", volume["configMap"]["name"].ToString());
                    Assert.Equal("exchange-manager.properties", volume["configMap"]["items"][0]["key"].ToString());
                    Assert.EndsWith("/exchange-manager.properties", configPath);
                }
            }
        }
    }

    [Fact]
    public void Every_sidecar_probes_liveness_on_healthz_and_readiness_on_readyz_of_its_metrics_port()
    {
        var sidecars = Sidecars().ToList();

        Assert.NotEmpty(sidecars);
        Assert.All(sidecars, sidecar =>
        {
            var metricsText = ((YamlSequenceNode)sidecar["env"]).Cast<YamlMappingNode>()
                .Single(variable => variable["name"].ToString() == "EXCHANGE_SPOOL_METRICS_ADDRESS")["value"].ToString();
            Assert.True(ListenAddress.TryParse(metricsText, out var metricsAddress), metricsText);
            // The kubelet probes from outside the pod's loopback.
            Assert.Equal("0.0.0.0", metricsAddress!.Host);
            foreach (var (probe, path) in new[] { ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz") })
            {
                var get = sidecar[probe]["httpGet"];
                var port = ((YamlSequenceNode)sidecar["ports"]).Cast<YamlMappingNode>().Single(p => p["name"].ToString() == get["port"].ToString());
                Assert.Equal(path, get["path"].ToString());
                Assert.Equal(metricsAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), port["containerPort"].ToString());
            }
        });
    }

    /// <summary>The exchange-spool container of every role group of every cluster.</summary>
    private static IEnumerable<YamlMappingNode> Sidecars() =>
        from cluster in Clusters
        from role in new[] { "coordinators", "workers" }
        from roleGroup in (YamlMappingNode)cluster["spec"][role]["roleGroups"]
        from container in ((YamlSequenceNode)roleGroup.Value["podOverrides"]["spec"]["containers"]).Cast<YamlMappingNode>()
        where container["name"].ToString() == "exchange-spool"
        select container;

    private static YamlMappingNode ExchangeManager(YamlMappingNode cluster) =>
        (YamlMappingNode)cluster["spec"]["clusterConfig"]["faultTolerantExecution"]["task"]["exchangeManager"];

    private static KeyValuePair<YamlNode, YamlNode> Backend(YamlMappingNode exchangeManager) =>
        exchangeManager.Children.Single(field => field.Key.ToString() is "s3" or "hdfs" or "local");

    /// <summary>The keys the operator writes for the fields that are set, plus the overrides' own keys.</summary>
    private static IEnumerable<string> OperatorKeys(YamlMappingNode exchangeManager)
    {
        var (backend, backendFields) = Backend(exchangeManager);
        var fields = exchangeManager.Children.Keys.Append(backend).Concat(((YamlMappingNode)backendFields).Children.Keys)
            .Select(field => field.ToString())
            .Where(KeysOfField.ContainsKey);
        var overrides = ((YamlMappingNode)exchangeManager["configOverrides"]).Children.Keys.Select(key => key.ToString());
        return fields.SelectMany(field => KeysOfField[field]).Concat(overrides);
    }

    [GeneratedRegex("```yaml\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();

    private static List<YamlMappingNode> TrinoClusters()
    {
        var page = File.ReadAllText(Path.Combine(Repository.Root, "docs", "stackable.md")).ReplaceLineEndings("\n");
        var clusters = new List<YamlMappingNode>();
        foreach (Match block in YamlBlock().Matches(page))
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(block.Groups[1].Value));
            clusters.AddRange(stream.Documents.Select(d => (YamlMappingNode)d.RootNode).Where(d => d["kind"].ToString() == "TrinoCluster"));
        }
        return clusters;
    }
}
