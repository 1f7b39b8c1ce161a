using System.Globalization;
using System.Text.RegularExpressions;

namespace ExchangeSpool.Core.Configuration;

/// <summary>The <c>&lt;number&gt;[.&lt;fraction&gt;]&lt;unit&gt;</c> shape shared by data sizes and durations, as airlift writes them.</summary>
internal static partial class NumberWithUnit
{
    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")]
    private static partial Regex Shape();

    /// <summary>Splits the text into its number and its unit (empty when there is none).</summary>
    public static bool TrySplit(string text, out decimal number, out string unit)
    {
        number = 0;
        unit = "";
        var match = Shape().Match(text);
        if (!match.Success || !decimal.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out number))
            return false;
        unit = match.Groups[2].Value;
        return true;
    }

    /// <summary>
    /// number × unitSize as a whole count, or null when it would not fit in a long or is not whole
    /// (a fraction of a byte or of a tick is almost certainly a typo, so it is not rounded away).
    /// </summary>
    public static long? ToWholeCount(decimal number, decimal unitSize)
    {
        if (number > long.MaxValue / unitSize)
            return null;
        var count = number * unitSize;
        return decimal.Truncate(count) == count ? (long)count : null;
    }
}
