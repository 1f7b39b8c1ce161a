namespace ExchangeSpool.Bench;

/// <summary>
/// One throughput figure measured once per repetition. The median is the figure; the spread
/// (min–max) says how far one run on this machine can be trusted.
/// </summary>
public sealed record RepeatedThroughput(IReadOnlyList<Throughput> Runs)
{
    public double MedianGigabytesPerSecond => Statistics.Median(Runs.Select(run => run.GigabytesPerSecond));

    public double MinGigabytesPerSecond => Runs.Min(run => run.GigabytesPerSecond);

    public double MaxGigabytesPerSecond => Runs.Max(run => run.GigabytesPerSecond);

    /// <summary>The median of the runs' allocated bytes per MiB moved; null where the work ran in another process.</summary>
    public double? MedianAllocatedBytesPerMebibyte => Runs.All(run => run.AllocatedBytesPerMebibyte.HasValue)
        ? Statistics.Median(Runs.Select(run => run.AllocatedBytesPerMebibyte!.Value))
        : null;
}

/// <summary>Both directions of a throughput subject over every repetition.</summary>
public sealed record RepeatedDirections(RepeatedThroughput Write, RepeatedThroughput Read)
{
    public static RepeatedDirections Of(IReadOnlyList<Directions> rounds) =>
        new(new RepeatedThroughput(rounds.Select(round => round.Write).ToList()), new RepeatedThroughput(rounds.Select(round => round.Read).ToList()));
}

public static class Statistics
{
    /// <summary>The middle value, or the mean of the two middle values of an even count.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
            throw new ArgumentException("the median of no values");
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
