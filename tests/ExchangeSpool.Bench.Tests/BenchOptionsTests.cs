namespace ExchangeSpool.Bench.Tests;

public sealed class BenchOptionsTests
{
    [Fact]
    public void Only_RunsJustTheNamedSections()
    {
        var options = BenchOptions.Parse(["--only", "local,rss"]);

        Assert.Equal(["local", "rss"], BenchOptions.AllSections.Where(options.Runs));
    }

    [Fact]
    public void Only_WithAnUnknownSection_FailsNamingTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--only", "local,s4"]));

        Assert.Contains("transport, disk, local, latency, rss, stalled, s3, azure, hdfs, plugin", error.Message);
        Assert.Contains("'local,s4'", error.Message);
    }

    [Fact]
    public void Quick_LeavesOutS3AndThePluginUnlessAddedBack()
    {
        var quick = BenchOptions.Parse(["--quick"]);
        var withS3 = BenchOptions.Parse(["--quick", "--s3"]);

        Assert.False(quick.Runs("s3") || quick.Runs("plugin"));
        Assert.True(withS3.Runs("s3"));
        Assert.True(quick.Runs("local"));
    }

    [Fact]
    public void Quick_KeepsAzure_OnBlobsStillStagedInBlocks()
    {
        var quick = BenchOptions.Parse(["--quick"]);

        Assert.True(quick.Runs("azure"));
        Assert.True(quick.AzureBytes / (quick.Sinks * quick.AzurePartitions) > DirectAzure.BlockSize);
    }

    [Fact]
    public void Azure_IsLeftOutByNoAzure_AndSizedByItsOwnOptions()
    {
        var defaults = BenchOptions.Parse([]);
        var sized = BenchOptions.Parse(["--azure-partitions", "8", "--azure-bytes", "64MB"]);

        Assert.Equal((4, 512L << 20), (defaults.AzurePartitions, defaults.AzureBytes));
        Assert.Equal((8, 64L << 20), (sized.AzurePartitions, sized.AzureBytes));
        Assert.False(BenchOptions.Parse(["--no-azure"]).Runs("azure"));
        Assert.Equal(["azure"], BenchOptions.AllSections.Where(BenchOptions.Parse(["--only", "azure"]).Runs));
    }

    [Fact]
    public void Azure_WithNoPartitions_FailsNamingTheOption()
    {
        var error = Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--azure-partitions", "0"]));

        Assert.Contains("--azure-partitions must be positive (got 0)", error.Message);
    }

    [Fact]
    public void Azure_WithFewerBytesThanBlobs_FailsNamingTheOption()
    {
        var error = Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--sinks", "4", "--azure-partitions", "4", "--azure-bytes", "15"]));

        Assert.Contains("--azure-bytes at least one byte per blob, 4 sinks × 4 partitions (got 15)", error.Message);
    }

    [Fact]
    public void Repetitions_AreThreeByDefault_OneWhenQuick_AndAtLeastOne()
    {
        Assert.Equal(3, BenchOptions.Parse([]).Repetitions);
        Assert.Equal(1, BenchOptions.Parse(["--quick"]).Repetitions);
        Assert.Equal(5, BenchOptions.Parse(["--repetitions", "5"]).Repetitions);
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--repetitions", "0"]));
    }
}
