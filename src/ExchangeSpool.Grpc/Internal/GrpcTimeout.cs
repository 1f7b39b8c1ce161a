using System.Globalization;

namespace ExchangeSpool.Grpc.Internal;

/// <summary>
/// The <c>grpc-timeout</c> header: 1 to 8 ASCII digits followed by a unit
/// (H hours, M minutes, S seconds, m milliseconds, u microseconds, n nanoseconds).
/// </summary>
internal static class GrpcTimeout
{
    private const int MaxDigits = 8;
    private const long MaxAmount = 99_999_999;
    private const long NanosecondsPerTick = 100;

    // Smallest unit first, so formatting picks the most precise unit whose amount fits in 8 digits.
    // Int128 because 99,999,999 hours in nanoseconds overflows a long.
    private static readonly (char Unit, Int128 Nanoseconds)[] Units =
    [
        ('n', 1),
        ('u', 1_000),
        ('m', 1_000_000),
        ('S', 1_000_000_000),
        ('M', 60_000_000_000),
        ('H', 3_600_000_000_000),
    ];

    /// <summary>Parses the header, rounding sub-tick values up.</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length is < 2 or > MaxDigits + 1)
        {
            return false;
        }

        var digits = value[..^1];
        if (digits.ContainsAnyExceptInRange('0', '9')
            || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var amount)
            || !TryGetUnit(value[^1], out var nanosecondsPerUnit))
        {
            return false;
        }

        // At most 99,999,999 hours: about 3.6e18 ticks, within a TimeSpan.
        timeout = TimeSpan.FromTicks((long)DivideRoundingUp(amount * nanosecondsPerUnit, NanosecondsPerTick));
        return true;
    }

    /// <summary>Formats a timeout, rounding up so the peer never sees a shorter deadline than ours.</summary>
    public static string Format(TimeSpan timeout)
    {
        var nanoseconds = (Int128)Math.Max(timeout.Ticks, 1) * NanosecondsPerTick;
        foreach (var (unit, nanosecondsPerUnit) in Units)
        {
            var amount = DivideRoundingUp(nanoseconds, nanosecondsPerUnit);
            if (amount <= MaxAmount)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{(long)amount}{unit}");
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{MaxAmount}H");
    }

    private static Int128 DivideRoundingUp(Int128 value, Int128 divisor) => (value + divisor - 1) / divisor;

    private static bool TryGetUnit(char unit, out Int128 nanosecondsPerUnit)
    {
        foreach (var (candidate, nanoseconds) in Units)
        {
            if (candidate == unit)
            {
                nanosecondsPerUnit = nanoseconds;
                return true;
            }
        }

        nanosecondsPerUnit = default;
        return false;
    }
}
