namespace ExchangeSpool.Core.Configuration;

/// <summary>
/// One configuration key: its default and meaning as documented, and how its text is parsed and
/// bound. The server's list of keys (its own and every storage backend's) is the only list; binding,
/// environment variable names, help text and the table of docs/configuration.md all come from it.
/// </summary>
public sealed class SettingDefinition
{
    private SettingDefinition(string key, string defaultText, string meaning, Action<BoundOptions, string> apply)
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
    public bool IsSecret { get; private init; }

    /// <summary><c>exchange.sink-max-file-size</c> is read from <c>EXCHANGE_SINK_MAX_FILE_SIZE</c>.</summary>
    public string EnvironmentVariable => Key.ToUpperInvariant().Replace('.', '_').Replace('-', '_');

    public string CommandLineOption => "--" + Key;

    /// <summary>Parses the text and stores it in the options; a bad value throws <see cref="ConfigurationException"/> naming the key.</summary>
    public Action<BoundOptions, string> Apply { get; }

    /// <summary>A setting whose parsed value replaces one property of the options record <typeparamref name="TOptions"/>.</summary>
    public static SettingDefinition Bound<TOptions, T>(string key, string defaultText, string meaning,
        Func<string, string, T> parse, Func<TOptions, T, TOptions> bind) where TOptions : class, new() =>
        new(key, defaultText, meaning, (options, text) => options.Set(bind(options.Get<TOptions>(), parse(key, text))));

    /// <summary>A setting whose value must not be shown anywhere: no default, and its effective value is redacted.</summary>
    public static SettingDefinition Secret<TOptions, T>(string key, string meaning,
        Func<string, string, T> parse, Func<TOptions, T, TOptions> bind) where TOptions : class, new() =>
        new(key, "", meaning, (options, text) => options.Set(bind(options.Get<TOptions>(), parse(key, text)))) { IsSecret = true };

    /// <summary>
    /// A setting that is only checked: Trino's keys that mean nothing here are still parsed, so a
    /// typo in a shared file is caught now rather than when Trino's own manager reads it.
    /// </summary>
    public static SettingDefinition Checked<T>(string key, string defaultText, string meaning, Func<string, string, T> parse) =>
        new(key, defaultText, meaning, (_, text) => parse(key, text));
}
