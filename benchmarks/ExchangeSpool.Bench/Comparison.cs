namespace ExchangeSpool.Bench;

/// <summary>
/// A repeated figure as a ratio to its reference: the ratio of the medians, and the spread of the
/// per-repetition ratios (each run against the reference's run of the same repetition, measured next
/// to it, so that drift in the machine's load hits both alike).
/// </summary>
public sealed record Ratio(double Median, double Min, double Max)
{
    public static Ratio Of(RepeatedThroughput figure, RepeatedThroughput reference)
    {
        if (figure.Runs.Count != reference.Runs.Count)
            throw new ArgumentException($"{figure.Runs.Count} runs compared with {reference.Runs.Count}: only interleaved repetitions pair up");
        var perRepetition = figure.Runs.Zip(reference.Runs, (run, referenceRun) => run.RatioTo(referenceRun)).ToList();
        return new Ratio(figure.MedianGigabytesPerSecond / reference.MedianGigabytesPerSecond, perRepetition.Min(), perRepetition.Max());
    }
}

public enum Verdict
{
    /// <summary>No target, and the figure stays within its reference.</summary>
    NoTarget,
    Met,
    Missed,
    /// <summary>The figure beats its own reference by more than noise: the reference measures less than it claims, so no target can be judged against it.</summary>
    Invalid,
}

/// <summary>A figure against its reference (its limit, or what it is compared with), judged against its target if it has one.</summary>
public sealed record Comparison(string Measurement, string Reference, Ratio Ratio, double? Target)
{
    /// <summary>The most a figure may exceed its reference by and still be taken as noise.</summary>
    public const double ValidUpTo = 1.10;

    public Verdict Verdict =>
        Ratio.Median > ValidUpTo ? Verdict.Invalid
        : Target is not { } target ? Verdict.NoTarget
        : Ratio.Median >= target ? Verdict.Met
        : Verdict.Missed;

    /// <summary>How far the median ratio falls short of the target; null unless missed.</summary>
    public double? MissedBy => Verdict == Verdict.Missed ? Target - Ratio.Median : null;
}
