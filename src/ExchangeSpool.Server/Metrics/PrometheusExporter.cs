using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace ExchangeSpool.Server.Metrics;

/// <summary>
/// Collects the instruments of the given meters (the server's and its storage backend's) with a
/// <see cref="MeterListener"/> and renders them in Prometheus' text exposition format, since no
/// Prometheus exporter package can be installed here. Counters accumulate as measurements arrive;
/// gauges are read at scrape time.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly HashSet<Meter> _meters;
    private readonly ConcurrentDictionary<Instrument, ConcurrentDictionary<string, double>> _values = new();

    public PrometheusExporter(IEnumerable<Meter> meters)
    {
        _meters = [.. meters];
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!_meters.Contains(instrument.Meter))
                return;
            listener.EnableMeasurementEvents(instrument);
            // A counter is exported from the start, at zero, so that "none so far" can be told from "not exported".
            if (IsCounter(instrument))
                _values.TryAdd(instrument, new ConcurrentDictionary<string, double>(StringComparer.Ordinal) { [""] = 0 });
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public string Render()
    {
        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var (instrument, series) in _values.OrderBy(v => v.Key.Name, StringComparer.Ordinal))
        {
            var counter = IsCounter(instrument);
            var name = instrument.Name.Replace('.', '_') + (counter ? "_total" : "");
            text.Append("# HELP ").Append(name).Append(' ').Append(instrument.Description).Append('\n');
            text.Append("# TYPE ").Append(name).Append(counter ? " counter\n" : " gauge\n");
            foreach (var (labels, value) in series.OrderBy(s => s.Key, StringComparer.Ordinal))
                text.Append(name).Append(labels).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var series = _values.GetOrAdd(instrument, _ => new ConcurrentDictionary<string, double>());
        var labels = Labels(tags);
        if (IsCounter(instrument))
            series.AddOrUpdate(labels, value, (_, total) => total + value);
        else
            series[labels] = value;
    }

    private static bool IsCounter(Instrument instrument) =>
        instrument is Counter<long> or Counter<int> or Counter<double>;

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
            return "";
        var labels = new StringBuilder("{");
        foreach (var (key, value) in tags)
        {
            if (labels.Length > 1)
                labels.Append(',');
            labels.Append(key.Replace('.', '_')).Append("=\"")
                .Append(Convert.ToString(value, CultureInfo.InvariantCulture)?.Replace("\\", "\\\\").Replace("\"", "\\\"")).Append('"');
        }
        return labels.Append('}').ToString();
    }
}
