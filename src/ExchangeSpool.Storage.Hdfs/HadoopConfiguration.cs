using System.Xml;
using System.Xml.Linq;
using ExchangeSpool.Core.Configuration;

namespace ExchangeSpool.Storage.Hdfs;

/// <summary>
/// The properties of Hadoop's XML configuration files (core-site.xml, hdfs-site.xml), read in order
/// so a later file overrides an earlier one, as Trino reads <c>hdfs.config.resources</c>. Values may
/// refer to other properties as <c>${name}</c>, which is expanded as Hadoop expands it.
/// </summary>
public sealed class HadoopConfiguration
{
    private const int MaxSubstitutions = 20;

    private readonly Dictionary<string, (string Value, string File, bool Final)> _properties = new(StringComparer.Ordinal);

    public static HadoopConfiguration Empty { get; } = new();

    /// <exception cref="ConfigurationException">A file is not Hadoop configuration XML; the message names the key and the file.</exception>
    public static HadoopConfiguration Load(IReadOnlyList<string> files)
    {
        var configuration = new HadoopConfiguration();
        foreach (var file in files)
            configuration.Read(file);
        return configuration;
    }

    /// <summary>The value of <paramref name="name"/>, trimmed and with <c>${...}</c> references expanded; null when unset.</summary>
    public string? Get(string name)
    {
        if (!_properties.TryGetValue(name, out var property))
            return null;
        var value = property.Value;
        for (var i = 0; i < MaxSubstitutions; i++)
        {
            var start = value.IndexOf("${", StringComparison.Ordinal);
            var end = start < 0 ? -1 : value.IndexOf('}', start);
            if (end < 0)
                break;
            var reference = value[(start + 2)..end];
            var replacement = reference.StartsWith("env.", StringComparison.Ordinal)
                ? Environment.GetEnvironmentVariable(reference[4..])
                : Get(reference);
            if (replacement is null)
                break;
            value = string.Concat(value.AsSpan(0, start), replacement, value.AsSpan(end + 1));
        }
        return value;
    }

    /// <summary>The comma-separated values of <paramref name="name"/>, trimmed, empty ones dropped.</summary>
    public IReadOnlyList<string> GetList(string name) =>
        Get(name)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    /// <summary>Where <paramref name="name"/> was set, for messages: "key=value in file".</summary>
    public string Describe(string name) =>
        _properties.TryGetValue(name, out var property) ? $"{name}={property.Value} in {property.File}" : $"{name} (unset)";

    private void Read(string file)
    {
        XDocument document;
        try
        {
            document = XDocument.Load(file);
        }
        catch (Exception e) when (e is XmlException or IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(HdfsOptions.ConfigResourcesKey, $"'{file}' cannot be read as Hadoop configuration XML: {e.Message}");
        }
        if (document.Root?.Name.LocalName != "configuration")
            throw new ConfigurationException(HdfsOptions.ConfigResourcesKey, $"'{file}' is not Hadoop configuration XML (its root element is not <configuration>)");
        foreach (var property in document.Root.Elements("property"))
        {
            var name = property.Element("name")?.Value.Trim();
            var value = property.Element("value")?.Value.Trim();
            if (string.IsNullOrEmpty(name) || value is null)
                continue;
            // A final property of an earlier file cannot be overridden, as in Hadoop.
            if (_properties.TryGetValue(name, out var earlier) && earlier.Final)
                continue;
            _properties[name] = (value, file, property.Element("final")?.Value.Trim() == "true");
        }
    }
}
