using System.Text.RegularExpressions;

namespace ExchangeSpool.ContractTests.Metrics;

/// <summary>One row of docs/metrics.md's table: the Prometheus name, its type, and what exports it (server, storage, hdfs).</summary>
public sealed record DocumentedMetric(string Name, string Type, string ExportedBy);

/// <summary>Reads docs/metrics.md and docker/grafana-dashboard.json from the repository these tests were built from.</summary>
public static partial class MetricsPage
{
    public static IReadOnlyList<DocumentedMetric> Rows()
    {
        var rows = Row().Matches(File.ReadAllText(RepositoryFile("docs", "metrics.md")))
            .Select(m => new DocumentedMetric(m.Groups["name"].Value, m.Groups["type"].Value, m.Groups["by"].Value))
            .ToList();
        Assert.True(rows.Count > 10, "docs/metrics.md has no metrics table");
        return rows;
    }

    public static string RepositoryFile(params string[] parts)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ExchangeSpool.sln")))
                return Path.Combine([directory.FullName, .. parts]);
        }
        throw new InvalidOperationException($"no ExchangeSpool.sln above {AppContext.BaseDirectory}");
    }

    /// <summary><c>| `exchangespool_commits_total` | counter | server | meaning |</c></summary>
    [GeneratedRegex(@"^\| `(?<name>[a-z0-9_]+)` \| (?<type>counter|gauge|histogram) \| (?<by>server|storage|hdfs) \|", RegexOptions.Multiline)]
    private static partial Regex Row();
}
