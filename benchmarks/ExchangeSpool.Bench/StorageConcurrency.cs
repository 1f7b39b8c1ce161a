using System.Globalization;
using System.Text.RegularExpressions;

namespace ExchangeSpool.Bench;

/// <summary>
/// A subject whose rounds are watched through the spool server's Prometheus endpoint: every
/// <see cref="Interval"/> it reads <c>exchangespool_storage_requests_in_flight</c>, so the report can
/// say how many uploads and downloads the spool kept in flight against the store (the direct
/// reference's concurrency is set by its code), the first thing to look at when the spool is slower.
/// </summary>
public sealed partial class StorageConcurrency(IThroughputSubject subject, Uri metricsAddress) : IThroughputSubject, IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly HttpClient _http = new() { BaseAddress = metricsAddress, Timeout = TimeSpan.FromSeconds(5) };
    private readonly Dictionary<string, List<long>> _samples = new(StringComparer.Ordinal);

    /// <summary>Requests of <paramref name="type"/> (PUT, GET) in flight: the mean over the samples that had any, and the most seen at once.</summary>
    public InFlightFigures Of(string type) => _samples.TryGetValue(type, out var samples) && samples.Count > 0
        ? new InFlightFigures(samples.Average(), samples.Max())
        : new InFlightFigures(0, 0);

    public async Task<Directions> MeasureRoundAsync()
    {
        using var stop = new CancellationTokenSource();
        var sampling = SampleAsync(stop.Token);
        try
        {
            return await subject.MeasureRoundAsync();
        }
        finally
        {
            await stop.CancelAsync();
            await sampling;
        }
    }

    private async Task SampleAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                foreach (var (type, inFlight) in InFlight(await _http.GetStringAsync("metrics", stop)))
                {
                    if (inFlight > 0)
                        (_samples.TryGetValue(type, out var list) ? list : _samples[type] = []).Add(inFlight);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private static IEnumerable<(string Type, long InFlight)> InFlight(string scrape) =>
        InFlightLine().Matches(scrape).Select(match => (match.Groups["type"].Value, (long)double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));

    public void Dispose() => _http.Dispose();

    [GeneratedRegex(@"^exchangespool_storage_requests_in_flight\{[^}]*type=""(?<type>[^""]+)""[^}]*\} (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex InFlightLine();
}

/// <summary>Requests of one type in flight at once while any were: the mean and the most.</summary>
public sealed record InFlightFigures(double Mean, long Max)
{
    public override string ToString() => $"{Mean:F1} (max {Max})";
}
