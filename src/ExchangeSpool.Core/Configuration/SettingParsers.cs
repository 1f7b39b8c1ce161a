using System.Globalization;

namespace ExchangeSpool.Core.Configuration;

/// <summary>Turns a setting's text into a typed value, or throws naming the key, the bad value and an example; shared by the server and the storage backends.</summary>
public static class SettingParsers
{
    public static long DataSizeBytes(string key, string text) =>
        DataSize.TryParse(text, out var bytes) ? bytes : throw NotA(key, text, "a data size", DataSize.Examples);

    /// <summary>For sizes held in an int, such as buffer and message sizes.</summary>
    public static int SmallDataSizeBytes(string key, string text)
    {
        var bytes = DataSizeBytes(key, text);
        return bytes <= int.MaxValue
            ? (int)bytes
            : throw new ConfigurationException(key, $"'{text}' is too large (must be below {DataSize.Format(int.MaxValue + 1L)})");
    }

    public static int Integer(string key, string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw NotA(key, text, "an integer", "4, 50");

    public static int PositiveInteger(string key, string text)
    {
        var value = Integer(key, text);
        return value >= 1 ? value : throw new ConfigurationException(key, $"must be at least 1, found {value}");
    }

    public static bool Boolean(string key, string text)
    {
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase))
            return true;
        if (text.Equals("false", StringComparison.OrdinalIgnoreCase))
            return false;
        throw NotA(key, text, "a boolean", "true, false");
    }

    public static TimeSpan PositiveDuration(string key, string text) =>
        Duration.TryParse(text, out var duration) && duration > TimeSpan.Zero
            ? duration
            : throw NotA(key, text, "a positive duration", Duration.Examples);

    /// <summary>A duration where 0 means off.</summary>
    public static TimeSpan DurationOrZero(string key, string text) =>
        text == "0" ? TimeSpan.Zero
            : Duration.TryParse(text, out var duration) && duration >= TimeSpan.Zero
            ? duration
            : throw NotA(key, text, "a duration, or 0 for off", Duration.Examples);

    /// <summary>Optional text, such as a path: empty means not set.</summary>
    public static string? OptionalText(string key, string text) => text.Length == 0 ? null : text;

    /// <summary>The text as written.</summary>
    public static string Text(string key, string text) => text;

    /// <summary>
    /// One of a fixed set of names (case-insensitive), as an enum-typed setting takes them; anything
    /// else is refused naming the key and listing every accepted name, so a typo never passes as a
    /// value the server does not know.
    /// </summary>
    public static T OneOf<T>(string key, string text, IReadOnlyList<(string Name, T Value)> accepted)
    {
        foreach (var (name, value) in accepted)
        {
            if (name.Equals(text, StringComparison.OrdinalIgnoreCase))
                return value;
        }
        throw new ConfigurationException(key, $"'{text}' is not an accepted value (accepted: {string.Join(", ", accepted.Select(choice => choice.Name))})");
    }

    /// <summary><c>key: 'text' is not what (examples: examples)</c>.</summary>
    public static ConfigurationException NotA(string key, string text, string what, string examples) =>
        new(key, $"'{text}' is not {what} (examples: {examples})");
}
