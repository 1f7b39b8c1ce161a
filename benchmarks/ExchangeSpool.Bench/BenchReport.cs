using System.Text.Json;
using System.Text.Json.Serialization;

namespace ExchangeSpool.Bench;

/// <summary>Every figure of one run (null or empty for a section --only left out), and the comparisons judged from them; <c>--json</c> writes it as is.</summary>
public sealed record BenchReport(
    BenchSettings Settings,
    RepeatedDirections? Transport,
    RepeatedDirections? Disk,
    IReadOnlyList<SpoolResult> Spool,
    LatencyResult? Latency,
    IReadOnlyList<RssResult> Rss,
    StalledResult? Stalled,
    ObjectStoreSection S3,
    ObjectStoreSection Azure,
    HdfsSection Hdfs,
    PluginSection Plugin)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public IReadOnlyList<Comparison> Comparisons => Targets.Of(this);

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

public sealed record BenchSettings(int Sinks, int Partitions, long Bytes, int PageSize, int MessageSize, int Repetitions, int ProcessorCount, string Runtime,
    DateTime StartedUtc)
{
    public static BenchSettings From(BenchOptions options) => new(options.Sinks, options.Partitions, options.Bytes, options.PageSize,
        options.MessageSize, options.Repetitions, Environment.ProcessorCount, System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription, DateTime.UtcNow);
}

/// <summary>The HDFS figures, or why there are none in this run.</summary>
public sealed record HdfsSection(HdfsResult? Result, string? NotMeasured);
