namespace ExchangeSpool.Bench;

/// <summary>The harness's command line. Sizes are bytes; <c>--quick</c> shrinks every default to a smoke run of seconds.</summary>
public sealed record BenchOptions
{
    public int Sinks { get; init; } = 4;
    public int Partitions { get; init; } = 50;
    public long Bytes { get; init; } = 1L << 30;
    public int PageSize { get; init; } = 64 * 1024;
    /// <summary>One gRPC message of the transport limit: the client's default sink batch size.</summary>
    public int MessageSize { get; init; } = 1024 * 1024;
    public int LatencyRepetitions { get; init; } = 1000;
    /// <summary>Measured rounds of every throughput figure and of its limit, interleaved; the tables give their median and spread.</summary>
    public int Repetitions { get; init; } = 3;
    /// <summary>Bytes each sink writes in the peak-RSS shapes.</summary>
    public long RssBytesPerSink { get; init; } = 32L << 20;
    /// <summary>The budget of the peak-RSS shapes that do not name their own.</summary>
    public long RssMemoryLimit { get; init; } = 1L << 30;
    /// <summary>
    /// The last shape keeps its small budget whatever --rss-memory-limit says, and gives every stream a
    /// connection of its own: many sinks on little memory, from separate clients, is the case it measures.
    /// </summary>
    public RssShape[] RssShapes { get; init; } = [new(64, 50), new(8, 1000), new(48, 50, 256L << 20, ConnectionPerStream: true), new(64, 50, OnS3: true)];
    /// <summary>The stalled-readers section: source streams whose consumers stopped, the write timed beside them, and the budget.</summary>
    public int StalledReaders { get; init; } = 48;
    public long StalledWriteBytes { get; init; } = 30L << 20;
    public long StalledMemoryLimit { get; init; } = 128L << 20;
    /// <summary>Every section, in the order they run.</summary>
    public static readonly string[] AllSections = ["transport", "disk", "local", "latency", "rss", "stalled", "s3", "azure", "hdfs", "plugin"];

    /// <summary>
    /// The sections this run measures: all by default; --quick leaves out s3 (booting and stopping the gateway alone takes ~20 s) and
    /// plugin (javac and a JVM), and keeps azure (Azurite starts in about a second; without it installed the section says so).
    /// </summary>
    public IReadOnlySet<string> Sections { get; init; } = new HashSet<string>(AllSections);

    public bool Runs(string section) => Sections.Contains(section);
    /// <summary>Fewer partitions than the local run, so that each object spans several 5 MiB parts (multipart, as the issue asks).</summary>
    public int S3Partitions { get; init; } = 4;
    public long S3Bytes { get; init; } = 512L << 20;
    /// <summary>As S3's: few partitions, so that each blob is staged in several 4 MiB blocks.</summary>
    public int AzurePartitions { get; init; } = 4;
    public long AzureBytes { get; init; } = 512L << 20;
    /// <summary>As S3's: few partitions, so that each file takes several 4 MiB appends.</summary>
    public int HdfsPartitions { get; init; } = 4;
    public long HdfsBytes { get; init; } = 512L << 20;
    public string? JsonPath { get; init; }
    public string WorkDirectory { get; init; } = Path.Combine(Path.GetTempPath(), $"exchange-spool-bench-{Environment.ProcessId}");
    public bool Quick { get; init; }

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = args.Contains("--quick") ? QuickDefaults : new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--quick" => options,
                "--sinks" => options with { Sinks = int.Parse(Value()) },
                "--partitions" => options with { Partitions = int.Parse(Value()) },
                "--bytes" => options with { Bytes = ParseSize(Value()) },
                "--page-size" => options with { PageSize = checked((int)ParseSize(Value())) },
                "--latency-repetitions" => options with { LatencyRepetitions = int.Parse(Value()) },
                "--repetitions" => options with { Repetitions = int.Parse(Value()) },
                "--rss-bytes-per-sink" => options with { RssBytesPerSink = ParseSize(Value()) },
                "--rss-memory-limit" => options with { RssMemoryLimit = ParseSize(Value()) },
                "--s3" => options.With("s3", true),
                "--no-s3" => options.With("s3", false),
                "--s3-partitions" => options with { S3Partitions = int.Parse(Value()) },
                "--s3-bytes" => options with { S3Bytes = ParseSize(Value()) },
                "--azure" => options.With("azure", true),
                "--no-azure" => options.With("azure", false),
                "--azure-partitions" => options with { AzurePartitions = int.Parse(Value()) },
                "--azure-bytes" => options with { AzureBytes = ParseSize(Value()) },
                "--hdfs" => options.With("hdfs", true),
                "--no-hdfs" => options.With("hdfs", false),
                "--hdfs-partitions" => options with { HdfsPartitions = int.Parse(Value()) },
                "--hdfs-bytes" => options with { HdfsBytes = ParseSize(Value()) },
                "--plugin" => options.With("plugin", true),
                "--no-plugin" => options.With("plugin", false),
                "--only" => options with { Sections = ParseSections(Value()) },
                "--json" => options with { JsonPath = Value() },
                "--dir" => options with { WorkDirectory = Path.Combine(Value(), $"exchange-spool-bench-{Environment.ProcessId}") },
                _ => throw new ArgumentException($"unknown option {args[i]}; options: --sinks N --partitions N --bytes SIZE --page-size SIZE --repetitions N " +
                    "--latency-repetitions N --rss-bytes-per-sink SIZE --rss-memory-limit SIZE --s3 --no-s3 --s3-partitions N --s3-bytes SIZE " +
                    "--azure --no-azure --azure-partitions N --azure-bytes SIZE --hdfs --no-hdfs " +
                    "--hdfs-partitions N --hdfs-bytes SIZE --plugin --no-plugin " +
                    $"--only {string.Join(',', AllSections)} --json FILE --dir DIR --quick"),
            };
        }
        if (options.Sinks < 1 || options.Partitions < 1 || options.Bytes < options.Sinks || options.PageSize < 1 || options.Repetitions < 1)
            throw new ArgumentException("--sinks, --partitions, --page-size, --repetitions must be positive and --bytes at least one byte per sink");
        if (options.AzurePartitions < 1 || options.AzureBytes < (long)options.Sinks * options.AzurePartitions)
            throw new ArgumentException($"--azure-partitions must be positive (got {options.AzurePartitions}) and --azure-bytes at least one byte per blob, " +
                $"{options.Sinks} sinks × {options.AzurePartitions} partitions (got {options.AzureBytes})");
        return options;
    }

    /// <summary>Small enough for the test suite: every section runs once, in a few seconds.</summary>
    private static BenchOptions QuickDefaults => new()
    {
        Repetitions = 1,
        Sinks = 2,
        Partitions = 4,
        Bytes = 8L << 20,
        PageSize = 16 * 1024,
        LatencyRepetitions = 30,
        RssBytesPerSink = 256 * 1024,
        RssMemoryLimit = 256L << 20,
        RssShapes = [new(8, 5), new(2, 100), new(6, 5, 64L << 20, ConnectionPerStream: true)],
        StalledReaders = 6,
        StalledWriteBytes = 4L << 20,
        StalledMemoryLimit = 64L << 20,
        Sections = new HashSet<string>(AllSections.Except(["s3", "plugin"])),
        S3Bytes = 24L << 20,
        // Two partitions, so that each 6 MiB blob is still staged in blocks (4 MiB and the rest).
        AzurePartitions = 2,
        AzureBytes = 24L << 20,
        HdfsBytes = 24L << 20,
        Quick = true,
    };

    private BenchOptions With(string section, bool on)
    {
        var sections = new HashSet<string>(Sections);
        if (on)
            sections.Add(section);
        else
            sections.Remove(section);
        return this with { Sections = sections };
    }

    private static HashSet<string> ParseSections(string list)
    {
        var sections = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        if (sections.Count == 0 || sections.Except(AllSections).Any())
            throw new ArgumentException($"--only takes a comma-separated list of {string.Join(", ", AllSections)}; got '{list}'");
        return sections;
    }

    /// <summary>1024-based sizes, as the server's configuration reads them: 64KB, 16MB, 2GB, or plain bytes.</summary>
    public static long ParseSize(string text)
    {
        var units = new[] { ("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10), ("B", 1L) };
        foreach (var (suffix, factor) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                return (long)(double.Parse(text[..^suffix.Length], System.Globalization.CultureInfo.InvariantCulture) * factor);
        }
        return long.Parse(text);
    }
}

/// <summary>
/// A peak-RSS measurement: sinks × partitions on <paramref name="MemoryLimit"/> (or on
/// <see cref="BenchOptions.RssMemoryLimit"/> when null), every stream over one connection or each over its own,
/// on local storage or on S3 (the tests' gateway, whose own memory is not the server's).
/// </summary>
public sealed record RssShape(int Sinks, int Partitions, long? MemoryLimit = null, bool ConnectionPerStream = false, bool OnS3 = false);
