namespace ExchangeSpool.Bench.Tests;

/// <summary>How a repeated figure is compared with its reference and judged.</summary>
public sealed class ComparisonTests
{
    [Fact]
    public void Ratio_IsTheRatioOfTheMedians_SpreadOverTheRatiosOfEachRepetition()
    {
        var figure = Repeated(0.9, 0.5, 0.7);
        var limit = Repeated(1.0, 0.5, 1.4);

        var ratio = Ratio.Of(figure, limit);

        Assert.Equal(0.7, ratio.Median, precision: 9);
        Assert.Equal(0.5, ratio.Min, precision: 9);
        Assert.Equal(1.0, ratio.Max, precision: 9);
    }

    [Fact]
    public void Ratio_OfRunsThatWereNotInterleaved_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => Ratio.Of(Repeated(1, 1), Repeated(1, 1, 1)));
    }

    [Theory]
    [InlineData(0.95, Verdict.Met)]
    [InlineData(0.90, Verdict.Met)]
    [InlineData(0.85, Verdict.Missed)]
    [InlineData(1.10, Verdict.Met)]
    [InlineData(1.11, Verdict.Invalid)]
    public void AFigureMoreThanTenPercentAboveItsReference_IsInvalid_NeverMet(double median, Verdict expected)
    {
        Assert.Equal(expected, Judged(median, target: 0.9).Verdict);
    }

    [Fact]
    public void WithoutATarget_AFigureAboveItsReference_IsStillInvalid()
    {
        Assert.Equal(Verdict.NoTarget, Judged(1.05, target: null).Verdict);
        Assert.Equal(Verdict.Invalid, Judged(2.12, target: null).Verdict);
    }

    [Fact]
    public void AMissedTarget_SaysByHowMuch()
    {
        Assert.Equal(0.07, Judged(0.83, target: 0.9).MissedBy!.Value, precision: 9);
        Assert.Null(Judged(0.93, target: 0.9).MissedBy);
    }

    [Fact]
    public void TheSpool_IsJudgedAgainstTheLowerOfItsLimits()
    {
        var spool = new SpoolResult(Encryption: true, Directions(write: 0.5, read: 0.5));
        var transport = Directions(write: 1.0, read: 0.4);
        var disk = Directions(write: 0.6, read: 9.0);

        var write = Targets.Spool(spool, Direction.Write, transport, disk)!;
        var read = Targets.Spool(spool, Direction.Read, transport, disk)!;

        Assert.Equal(("disk write", Verdict.Missed), (write.Reference, write.Verdict));
        Assert.Equal(("transport download", Verdict.Invalid), (read.Reference, read.Verdict));
    }

    [Fact]
    public void AnObjectStoreRow_NamesItsStoreAndPlacement_AndIsJudgedAgainstItsSdkUsedDirectly()
    {
        var azure = new ObjectStoreSection("Azure", "Azure.Storage.Blobs", [], NotMeasured: null);
        var pinned = new ObjectStoreResult("Azurite", StorePinned: true, Sinks: 4, Partitions: 4, PartSize: 4 << 20,
            Direct: Directions(write: 1.0, read: 1.0), Spool: Directions(write: 0.85, read: 0.95), DirectCpuSecondsPerGigabyte: 1.0,
            SpoolServerCpuSecondsPerGigabyte: 2.0, SpoolUploadsInFlight: new InFlightFigures(4, 8), SpoolDownloadsInFlight: new InFlightFigures(2, 8),
            SettlingRounds: 2);

        var write = Targets.ObjectStore(azure, pinned, Direction.Write);
        var read = Targets.ObjectStore(azure, pinned, Direction.Read);

        Assert.Equal("Azure write, spool, store pinned to CPU 1, spool and client to CPU 0", write.Measurement);
        Assert.Equal("Azure.Storage.Blobs direct", write.Reference);
        Assert.Equal((Verdict.Missed, Verdict.Met), (write.Verdict, read.Verdict));
        Assert.Equal(2.0, pinned.CpuRatio);
    }

    [Fact]
    public void Median_OfAnEvenCount_IsTheMeanOfTheMiddleTwo()
    {
        Assert.Equal(2.5, Statistics.Median([4, 1, 3, 2]));
        Assert.Equal(3, Statistics.Median([5, 1, 3]));
    }

    private static Comparison Judged(double median, double? target) => new("spool", "limit", new Ratio(median, median, median), target);

    private static RepeatedThroughput Repeated(params double[] gigabytesPerSecond) =>
        new(gigabytesPerSecond.Select(rate => new Throughput(1_000_000_000, 1 / rate)).ToList());

    private static RepeatedDirections Directions(double write, double read) => new(Repeated(write), Repeated(read));
}
