namespace ExchangeSpool.Bench;

/// <summary>
/// A subject whose rounds are charged the CPU time <paramref name="cpu"/> reports (a process's
/// user and system time), per gigabyte moved: each round writes its bytes and reads them back.
/// </summary>
public sealed class CpuAccounted(IThroughputSubject subject, Func<TimeSpan> cpu, long bytesPerDirection) : IThroughputSubject
{
    private TimeSpan _spent;
    private long _moved;

    public double CpuSecondsPerGigabyte => _moved == 0 ? 0 : _spent.TotalSeconds / (_moved / 1e9);

    public async Task<Directions> MeasureRoundAsync()
    {
        var before = cpu();
        var round = await subject.MeasureRoundAsync();
        _spent += cpu() - before;
        _moved += 2 * bytesPerDirection;
        return round;
    }
}
