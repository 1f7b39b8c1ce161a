using System.Globalization;
using System.Text;

namespace ExchangeSpool.Server.Configuration;

/// <summary>One <c>key=value</c> line of a properties file.</summary>
public sealed record PropertiesEntry(string Key, string Value, int Line);

/// <summary>
/// Java properties syntax as <c>java.util.Properties.load</c> reads Trino's
/// <c>exchange-manager.properties</c>, escapes included, because generators write them: the Stackable
/// operator writes <c>exchange.base-directories=s3\://bucket/spool</c> and <c>${ENV\:NAME}</c>.
/// <c>key=value</c> or <c>key: value</c>, <c>#</c> and <c>!</c> comment lines, blank lines, a
/// <c>\</c> at the end of a line continuing it on the next, and the escapes <c>\t \n \r \f \uXXXX</c>
/// (any other escaped character stands for itself). Two things are stricter than Java: a key needs
/// <c>=</c> or <c>:</c> (a space alone is more often a typo), and a key may appear only once.
/// Whitespace around keys and values is trimmed.
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
        foreach (var (line, lineNumber) in LogicalLines(lines))
        {
            var location = $"{fileName}:{lineNumber}";
            var separator = FirstUnescapedSeparator(line);
            if (separator < 0)
                throw new ConfigurationException(location, $"expected key=value, found '{line}'");
            var key = Unescape(location, line[..separator].TrimEnd());
            var value = Unescape(location, TrimUnescapedEnd(line[(separator + 1)..].TrimStart()));
            if (key.Length == 0)
                throw new ConfigurationException(location, $"missing key before '{line[separator]}'");
            if (lineOfKey.TryGetValue(key, out var firstLine))
                throw new ConfigurationException(location, $"duplicate key '{key}' (first set on line {firstLine})");
            lineOfKey.Add(key, lineNumber);
            entries.Add(new PropertiesEntry(key, value, lineNumber));
        }
        return entries;
    }

    /// <summary>Non-comment lines with their continuations joined, each with the number of its first line.</summary>
    private static IEnumerable<(string Line, int Number)> LogicalLines(IEnumerable<string> lines)
    {
        StringBuilder? continued = null;
        var firstNumber = 0;
        var number = 0;
        foreach (var rawLine in lines)
        {
            number++;
            var line = rawLine.TrimStart();
            if (continued is null)
            {
                if (line.Length == 0 || line[0] is '#' or '!')
                    continue;
                continued = new StringBuilder();
                firstNumber = number;
            }
            if (EndsWithOddBackslashes(line))
            {
                continued.Append(line, 0, line.Length - 1);
                continue;
            }
            yield return (continued.Append(line).ToString(), firstNumber);
            continued = null;
        }
        if (continued is not null)
            yield return (continued.ToString(), firstNumber);
    }

    private static bool EndsWithOddBackslashes(string line)
    {
        var count = 0;
        for (var i = line.Length - 1; i >= 0 && line[i] == '\\'; i--)
            count++;
        return count % 2 == 1;
    }

    private static int FirstUnescapedSeparator(string line)
    {
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '\\')
                i++;
            else if (line[i] is '=' or ':')
                return i;
        }
        return -1;
    }

    /// <summary>Trailing whitespace goes, unless the last of it is escaped (<c>\ </c>).</summary>
    private static string TrimUnescapedEnd(string value)
    {
        var trimmed = value.TrimEnd();
        return trimmed.Length < value.Length && EndsWithOddBackslashes(trimmed) ? value[..(trimmed.Length + 1)] : trimmed;
    }

    private static string Unescape(string location, string text)
    {
        if (!text.Contains('\\'))
            return text;
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\' || i == text.Length - 1)
            {
                result.Append(text[i]);
                continue;
            }
            var escaped = text[++i];
            switch (escaped)
            {
                case 't': result.Append('\t'); break;
                case 'n': result.Append('\n'); break;
                case 'r': result.Append('\r'); break;
                case 'f': result.Append('\f'); break;
                case 'u':
                    if (i + 4 >= text.Length || !ushort.TryParse(text.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                        throw new ConfigurationException(location, $"malformed \\uXXXX escape in '{text}'");
                    result.Append((char)code);
                    i += 4;
                    break;
                default: result.Append(escaped); break;
            }
        }
        return result.ToString();
    }
}
