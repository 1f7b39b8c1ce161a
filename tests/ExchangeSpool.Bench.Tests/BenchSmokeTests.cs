using System.Text.Json;
using ExchangeSpool.Bench;
using ExchangeSpool.ContractTests.Azure;
using Spectre.Console;

namespace ExchangeSpool.Bench.Tests;

/// <summary>
/// The harness's smoke run: every section runs on tiny sizes and lands in the JSON. Figures are
/// never asserted on (they depend on the machine and its load); only that each was measured.
/// </summary>
public sealed class BenchSmokeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bench-smoke-").FullName;

    [Fact]
    public async Task QuickRunCompletesAndWritesEverySection()
    {
        var json = Path.Combine(_directory, "figures.json");
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No });

        var exitCode = await BenchRunner.RunAsync(["--quick", "--json", json, "--dir", _directory], console).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.True(exitCode == 0, output.ToString());
        Assert.Contains("transport limit, upload", output.ToString());
        Assert.Contains("peak server RSS", output.ToString());
        using var figures = JsonDocument.Parse(File.ReadAllText(json));
        var root = figures.RootElement;
        AssertMeasured(root.GetProperty("transport"));
        AssertMeasured(root.GetProperty("disk"));
        var spool = root.GetProperty("spool").EnumerateArray().ToList();
        Assert.Equal([false, true], spool.Select(s => s.GetProperty("encryption").GetBoolean()));
        foreach (var run in spool)
        {
            AssertMeasured(run.GetProperty("throughput"));
            // Server and client run in the harness's process, so the allocation counter sees both.
            Assert.True(run.GetProperty("throughput").GetProperty("write").GetProperty("medianAllocatedBytesPerMebibyte").GetDouble() > 0);
        }
        // The HDFS section runs in --quick too: its WebHDFS server is the tests' own, in this process.
        var hdfs = root.GetProperty("hdfs").GetProperty("result");
        AssertMeasured(hdfs.GetProperty("spool"));
        AssertMeasured(hdfs.GetProperty("direct"));
        var azure = AssertAzure(root.GetProperty("azure"));
        var comparisons = root.GetProperty("comparisons").EnumerateArray().ToList();
        Assert.Equal(6 + 2 * azure, comparisons.Count);
        Assert.All(comparisons, comparison => Assert.False(string.IsNullOrEmpty(comparison.GetProperty("verdict").GetString())));
        var latency = root.GetProperty("latency");
        Assert.True(latency.GetProperty("repetitions").GetInt32() > 0);
        Assert.True(latency.GetProperty("p50Milliseconds").GetDouble() > 0);
        Assert.True(latency.GetProperty("p99Milliseconds").GetDouble() >= latency.GetProperty("p50Milliseconds").GetDouble());
        var rss = root.GetProperty("rss").EnumerateArray().ToList();
        Assert.Equal(3, rss.Count);
        foreach (var shape in rss)
        {
            Assert.Equal(JsonValueKind.Null, shape.GetProperty("failure").ValueKind);
            Assert.True(shape.GetProperty("peakRssBytes").GetInt64() > 0);
            Assert.True(shape.GetProperty("memoryLimit").GetInt64() > 0);
        }
        var stalled = root.GetProperty("stalled");
        Assert.Equal(JsonValueKind.Null, stalled.GetProperty("failure").ValueKind);
        Assert.True(stalled.GetProperty("besideSeconds").GetDouble() > 0);
        // --quick leaves the S3 and plugin sections out (a gateway boot, a JVM) and says so.
        Assert.False(string.IsNullOrEmpty(root.GetProperty("s3").GetProperty("notMeasured").GetString()));
        Assert.False(string.IsNullOrEmpty(root.GetProperty("plugin").GetProperty("notMeasured").GetString()));
    }

    /// <summary>
    /// The Azure section runs in --quick where Azurite is installed (npm ci --prefix tests/azurite, as the
    /// test command does): unpinned, then pinned where taskset can pin it, each with both sides' CPU per GB.
    /// Without Azurite it says why it measured nothing. Returns the results measured.
    /// </summary>
    private static int AssertAzure(JsonElement azure)
    {
        var results = azure.GetProperty("results").EnumerateArray().ToList();
        if (AzureTestEndpoint.Unavailable is { } reason)
        {
            Assert.Empty(results);
            Assert.Equal(reason, azure.GetProperty("notMeasured").GetString());
            return 0;
        }
        Assert.True(azure.GetProperty("notMeasured").ValueKind == JsonValueKind.Null, azure.GetProperty("notMeasured").ToString());
        var pinnable = CpuPinning.IsAvailable && Environment.ProcessorCount >= 2;
        Assert.Equal(pinnable ? [false, true] : [false], results.Select(result => result.GetProperty("storePinned").GetBoolean()));
        foreach (var result in results)
        {
            AssertMeasured(result.GetProperty("direct"));
            AssertMeasured(result.GetProperty("spool"));
            Assert.True(result.GetProperty("directCpuSecondsPerGigabyte").GetDouble() > 0);
            Assert.True(result.GetProperty("spoolServerCpuSecondsPerGigabyte").GetDouble() > 0);
        }
        return results.Count;
    }

    /// <summary>Both directions moved bytes in a positive time, once (--quick measures one round).</summary>
    private static void AssertMeasured(JsonElement directions)
    {
        foreach (var direction in new[] { "write", "read" })
        {
            var run = Assert.Single(directions.GetProperty(direction).GetProperty("runs").EnumerateArray());
            Assert.True(run.GetProperty("bytes").GetInt64() > 0, direction);
            Assert.True(run.GetProperty("seconds").GetDouble() > 0, direction);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
