namespace ExchangeSpool.Bench;

/// <summary>
/// A subject whose rounds are charged the CPU time <paramref name="cpu"/> reports (a process's
/// user and system time), per gigabyte moved: each round writes its bytes and reads them back.
/// </summary>
public sealed class CpuAccounted(IThroughputSubject subject, Func<TimeSpan> cpu, long bytesPerDirection) : IThroughputSubject
{
    /// <summary>Rounds whose CPU time is within this share of the round before count as settled.</summary>
    private const double SettledWithin = 0.10;

    private TimeSpan _spent;
    private long _moved;

    public double CpuSecondsPerGigabyte => _moved == 0 ? 0 : _spent.TotalSeconds / (_moved / 1e9);

    /// <summary>Unmeasured rounds the last <see cref="SettleAsync"/> ran.</summary>
    public int SettlingRounds { get; private set; }

    /// <summary>
    /// Runs unmeasured full rounds until one costs no more than <see cref="SettledWithin"/> above the
    /// round before (at most <paramref name="maxRounds"/>). A fresh process's first rounds are charged
    /// its JIT compiler's tiering (a profile of the S3 section's spool server: 20% of its CPU in its
    /// first minute in the JIT, 2.6% later), which a server that runs for hours pays once.
    /// </summary>
    public async Task SettleAsync(int maxRounds)
    {
        TimeSpan? previous = null;
        for (SettlingRounds = 1; ; SettlingRounds++)
        {
            var before = cpu();
            await subject.MeasureRoundAsync();
            var spent = cpu() - before;
            if (SettlingRounds == maxRounds || spent.TotalSeconds <= previous?.TotalSeconds * (1 + SettledWithin))
                return;
            previous = spent;
        }
    }

    public async Task<Directions> MeasureRoundAsync()
    {
        var before = cpu();
        var round = await subject.MeasureRoundAsync();
        _spent += cpu() - before;
        _moved += 2 * bytesPerDirection;
        return round;
    }
}
