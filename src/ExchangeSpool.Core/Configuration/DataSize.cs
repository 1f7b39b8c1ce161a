namespace ExchangeSpool.Core.Configuration;

/// <summary>
/// Data sizes as Trino's configuration writes them: <c>16MB</c>, <c>1.5GB</c>, <c>64kB</c>,
/// <c>512B</c> or a plain byte count. Units are 1024-based and matched case-insensitively.
/// </summary>
public static class DataSize
{
    public const string Examples = "16MB, 1GB";

    private static readonly (string Unit, long Bytes)[] Units =
    [
        ("PB", 1L << 50),
        ("TB", 1L << 40),
        ("GB", 1L << 30),
        ("MB", 1L << 20),
        ("kB", 1L << 10),
        ("B", 1),
    ];

    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        if (!NumberWithUnit.TrySplit(text, out var number, out var unit))
            return false;
        long unitBytes;
        if (unit.Length == 0)
            unitBytes = 1;
        else if (Array.FindIndex(Units, u => u.Unit.Equals(unit, StringComparison.OrdinalIgnoreCase)) is var index and >= 0)
            unitBytes = Units[index].Bytes;
        else
            return false;
        var count = NumberWithUnit.ToWholeCount(number, unitBytes);
        bytes = count ?? 0;
        return count.HasValue;
    }

    /// <summary>The shortest exact form, in the largest unit that divides the size: 16777216 is <c>16MB</c>.</summary>
    public static string Format(long bytes)
    {
        foreach (var (unit, unitBytes) in Units)
        {
            if (bytes % unitBytes == 0 && (bytes != 0 || unitBytes == 1))
                return $"{bytes / unitBytes}{unit}";
        }
        throw new ArgumentOutOfRangeException(nameof(bytes));
    }
}
