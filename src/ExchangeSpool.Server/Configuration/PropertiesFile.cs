namespace ExchangeSpool.Server.Configuration;

/// <summary>One <c>key=value</c> line of a properties file.</summary>
public sealed record PropertiesEntry(string Key, string Value, int Line);

/// <summary>
/// The subset of Java properties syntax that Trino's <c>exchange-manager.properties</c> uses:
/// <c>key=value</c> or <c>key: value</c>, <c>#</c> and <c>!</c> comment lines, blank lines, and
/// whitespace trimmed around keys and values. Java's escapes and line continuations are not
/// supported; a continuation is rejected rather than read as a different value.
/// </summary>
public static class PropertiesFile
{
    /// <summary>Reads the file; syntax errors name <paramref name="path"/> and the line.</summary>
    public static IReadOnlyList<PropertiesEntry> Read(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(path, $"cannot read the configuration file ({e.Message})");
        }
        return Parse(path, lines);
    }

    public static IReadOnlyList<PropertiesEntry> Parse(string fileName, IEnumerable<string> lines)
    {
        var entries = new List<PropertiesEntry>();
        var lineOfKey = new Dictionary<string, int>();
        var lineNumber = 0;
        foreach (var rawLine in lines)
        {
            lineNumber++;
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] is '#' or '!')
                continue;
            var location = $"{fileName}:{lineNumber}";
            var separator = line.IndexOfAny(['=', ':']);
            if (separator < 0)
                throw new ConfigurationException(location, $"expected key=value, found '{line}'");
            var key = line[..separator].TrimEnd();
            var value = line[(separator + 1)..].TrimStart();
            if (key.Length == 0)
                throw new ConfigurationException(location, $"missing key before '{line[separator]}'");
            if (value.EndsWith('\\'))
                throw new ConfigurationException(location, "line continuations ('\\' at the end of a line) are not supported");
            if (lineOfKey.TryGetValue(key, out var firstLine))
                throw new ConfigurationException(location, $"duplicate key '{key}' (first set on line {firstLine})");
            lineOfKey.Add(key, lineNumber);
            entries.Add(new PropertiesEntry(key, value, lineNumber));
        }
        return entries;
    }
}
