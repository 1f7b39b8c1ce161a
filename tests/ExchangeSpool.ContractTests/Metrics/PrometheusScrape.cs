using System.Globalization;
using System.Text.RegularExpressions;

namespace ExchangeSpool.ContractTests.Metrics;

/// <summary>One sample of a scrape: its labels and value.</summary>
public sealed record PrometheusSample(IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A server's <c>/metrics</c> in Prometheus' text format, parsed: each family's type (from its
/// <c># TYPE</c> line) and samples. A sample line with no family declared before it fails the parse.
/// </summary>
public sealed partial class PrometheusScrape
{
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<PrometheusSample>> _samples = new(StringComparer.Ordinal);

    private PrometheusScrape(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.True(_types.TryAdd(parts[2], parts[3]), $"# TYPE {parts[2]} appears twice");
                continue;
            }
            if (line.StartsWith('#'))
                continue;
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a sample line: {line}");
            var labels = LabelPair().Matches(match.Groups["labels"].Value)
                .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value, StringComparer.Ordinal);
            var name = match.Groups["name"].Value;
            var value = double.Parse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (!_samples.TryGetValue(name, out var samples))
                _samples[name] = samples = [];
            samples.Add(new PrometheusSample(labels, value));
        }
    }

    public string Text { get; }

    /// <summary>Family names with their types, e.g. <c>exchangespool_pages_written_total</c> → counter.</summary>
    public IReadOnlyDictionary<string, string> Types => _types;

    /// <summary>Every sample name present (a histogram family shows as its _bucket, _sum and _count).</summary>
    public IEnumerable<string> SampleNames => _samples.Keys;

    public static async Task<PrometheusScrape> ReadAsync(Uri metricsAddress)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(metricsAddress, "/metrics"));
        Assert.True(response.IsSuccessStatusCode, $"GET /metrics answered {response.StatusCode}");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString());
        return new PrometheusScrape(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The samples of <paramref name="name"/> whose labels include <paramref name="labels"/>.</summary>
    public IReadOnlyList<PrometheusSample> Samples(string name, params (string Name, string Value)[] labels) =>
        _samples.GetValueOrDefault(name, [])
            .Where(sample => labels.All(label => sample.Labels.GetValueOrDefault(label.Name) == label.Value))
            .ToList();

    /// <summary>The one sample of <paramref name="name"/> with those labels; fails naming the metric when there is none or several.</summary>
    public double Value(string name, params (string Name, string Value)[] labels)
    {
        var samples = Samples(name, labels);
        Assert.True(samples.Count == 1, $"{name}{{{string.Join(",", labels.Select(l => $"{l.Name}=\"{l.Value}\""))}}} has {samples.Count} samples in the scrape:\n{Text}");
        return samples[0].Value;
    }

    public string TypeOf(string family) =>
        _types.TryGetValue(family, out var type) ? type : throw new Xunit.Sdk.XunitException($"the scrape has no # TYPE line for {family}:\n{Text}");

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( \d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<name>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(\\.|[^""\\])*)""")]
    private static partial Regex LabelPair();
}
