namespace ExchangeSpool.Core.Configuration;

/// <summary>
/// Durations as Trino's configuration writes them: <c>10s</c>, <c>1.5m</c>, <c>250ms</c>, with units
/// <c>ns us ms s m h d</c> (matched case-insensitively; a unit is required). The Java plugin's timeouts
/// are documented in the same syntax, so both sides read the same file the same way.
/// </summary>
public static class Duration
{
    public const string Examples = "10s, 1.5m";

    private static readonly Dictionary<string, decimal> TicksPerUnit = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ns"] = TimeSpan.TicksPerMicrosecond / 1000m,
        ["us"] = TimeSpan.TicksPerMicrosecond,
        ["ms"] = TimeSpan.TicksPerMillisecond,
        ["s"] = TimeSpan.TicksPerSecond,
        ["m"] = TimeSpan.TicksPerMinute,
        ["h"] = TimeSpan.TicksPerHour,
        ["d"] = TimeSpan.TicksPerDay,
    };

    /// <summary>Fails for a value finer than TimeSpan's 100ns tick, such as <c>150ns</c>.</summary>
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (!NumberWithUnit.TrySplit(text, out var number, out var unit) || !TicksPerUnit.TryGetValue(unit, out var ticksPerUnit))
            return false;
        var ticks = NumberWithUnit.ToWholeCount(number, ticksPerUnit);
        duration = TimeSpan.FromTicks(ticks ?? 0);
        return ticks.HasValue;
    }
}
