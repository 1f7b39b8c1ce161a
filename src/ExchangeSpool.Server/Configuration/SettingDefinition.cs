namespace ExchangeSpool.Server.Configuration;

/// <summary>
/// One configuration key: its default and meaning as documented, and how its text is parsed and
/// bound. <see cref="SettingDefinitions.All"/> is the only list of keys; binding, environment
/// variable names, help text and the README table all come from it.
/// </summary>
public sealed class SettingDefinition
{
    internal SettingDefinition(string key, string defaultText, string meaning, Action<OptionsBuilder, string> apply)
    {
        Key = key;
        DefaultText = defaultText;
        Meaning = meaning;
        Apply = apply;
    }

    public string Key { get; }

    /// <summary>The default as a user would write it; it is bound like any other value.</summary>
    public string DefaultText { get; }

    public string Meaning { get; }

    /// <summary>A key or password: its value is never shown (the effective settings carry a placeholder).</summary>
    public bool IsSecret { get; init; }

    /// <summary><c>exchange.sink-max-file-size</c> is read from <c>EXCHANGE_SINK_MAX_FILE_SIZE</c>.</summary>
    public string EnvironmentVariable => Key.ToUpperInvariant().Replace('.', '_').Replace('-', '_');

    public string CommandLineOption => "--" + Key;

    /// <summary>Parses the text and stores it in the builder; a bad value throws <see cref="ConfigurationException"/> naming the key.</summary>
    internal Action<OptionsBuilder, string> Apply { get; }
}
