using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Server.Configuration;

/// <summary>
/// The server's bound and validated configuration. Sources, lowest precedence first: built-in
/// defaults, the properties file, environment variables, the command line.
/// </summary>
/// <param name="ConfigFile">The properties file read, as given, or null when there was none.</param>
/// <param name="Settings">Every known key's effective value and source, in documentation order.</param>
/// <param name="Storage">The backend of the base directories.</param>
/// <param name="Options">Every bound options record, the storage backend's included.</param>
public sealed record ServerConfiguration(
    string? ConfigFile,
    IReadOnlyList<EffectiveSetting> Settings,
    IStorageBackend Storage,
    BoundOptions Options)
{
    public SpoolOptions Spool => Options.Get<SpoolOptions>();

    public ServerOptions Server => Options.Get<ServerOptions>();

    /// <summary>Encryption as configured, with the master keys that were given.</summary>
    public EncryptionOptions Encryption => Options.Get<EncryptionOptions>();

    /// <summary>What a secret setting's effective value reads as.</summary>
    public const string RedactedValue = "(set, not shown)";

    /// <summary>Names the properties file when <c>--config</c> does not.</summary>
    public const string ConfigFileVariable = "EXCHANGE_SPOOL_CONFIG";

    /// <summary>
    /// Reads the command line, then (unless it asks for help or the version) the file and the
    /// environment. <paramref name="environment"/> looks up a variable, as
    /// <see cref="System.Environment.GetEnvironmentVariable(string)"/> does; an empty variable counts
    /// as unset, since container tooling often sets variables it has no value for to "".
    /// </summary>
    /// <exception cref="ConfigurationException">Anything wrong, described in one line.</exception>
    public static StartupRequest Load(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        var commandLine = CommandLineArguments.Parse(args);
        if (commandLine.Help)
            return new ShowHelp();
        if (commandLine.Version)
            return new ShowVersion();

        string? Variable(string name) => environment(name) is { Length: > 0 } value ? value.Trim() : null;

        var effective = SettingDefinitions.All.ToDictionary(
            definition => definition.Key,
            definition => new EffectiveSetting(definition.Key, definition.DefaultText, SettingSource.Default));
        var configFile = commandLine.ConfigFile ?? Variable(ConfigFileVariable);
        if (configFile is not null)
        {
            var origin = commandLine.ConfigFile is not null ? CommandLineArguments.ConfigOption : ConfigFileVariable;
            foreach (var entry in ReadFileEntries(configFile, origin))
                effective[entry.Key] = new EffectiveSetting(entry.Key, SecretReferences.Resolve(entry.Key, entry.Value, environment), SettingSource.File);
        }
        foreach (var definition in SettingDefinitions.All)
        {
            if (Variable(definition.EnvironmentVariable) is { } value)
                effective[definition.Key] = new EffectiveSetting(definition.Key, value, SettingSource.Environment);
        }
        foreach (var (key, value) in commandLine.Settings)
            effective[key] = new EffectiveSetting(key, value, SettingSource.CommandLine);

        var options = new BoundOptions();
        foreach (var definition in SettingDefinitions.All)
            definition.Apply(options, effective[definition.Key].Value);
        var spool = options.Get<SpoolOptions>();
        ThrowIfInvalid(spool.FindInvalidSetting());
        ThrowIfInvalid(options.Get<ServerOptions>().FindInvalidSetting(spool.MaxPageStorageSize));
        ThrowIfInvalid(options.Get<EncryptionOptions>().FindInvalidSetting());
        var storage = StorageBackends.For(spool.BaseDirectories);
        ThrowIfOtherBackendsKeyIsSet(effective.Values, storage);
        ThrowIfInvalid(storage.FindInvalidSetting(options));

        var settings = SettingDefinitions.All.Select(definition =>
                definition.IsSecret && effective[definition.Key].Value.Length > 0
                    ? effective[definition.Key] with { Value = RedactedValue }
                    : effective[definition.Key])
            .ToList();
        return new RunServer(new ServerConfiguration(configFile, settings, storage, options));
    }

    /// <summary>The file's entries for known keys; the plugin's keys are skipped, any other key is an error.</summary>
    private static IEnumerable<PropertiesEntry> ReadFileEntries(string path, string origin)
    {
        if (!File.Exists(path))
            throw new ConfigurationException(origin, $"configuration file '{path}' does not exist");
        foreach (var entry in PropertiesFile.Read(path))
        {
            if (SettingDefinitions.IsPluginKey(entry.Key))
                continue;
            if (SettingDefinitions.Find(entry.Key) is null)
                throw new ConfigurationException($"{path}:{entry.Line}", SettingDefinitions.UnknownKeyProblem(entry.Key));
            yield return entry;
        }
    }

    /// <summary>
    /// A backend's key set while the base directories use another backend is refused: it has no
    /// effect, and most likely the base directories or the key are not what the operator meant.
    /// </summary>
    private static void ThrowIfOtherBackendsKeyIsSet(IEnumerable<EffectiveSetting> settings, IStorageBackend storage)
    {
        foreach (var setting in settings)
        {
            if (setting.Source != SettingSource.Default && StorageBackends.OwnerOf(setting.Key) is { } owner && owner != storage)
                throw new ConfigurationException(setting.Key,
                    $"is a setting of the {owner.Kind} backend, which no base directory uses (exchange.base-directories names {storage.Kind} ones)");
        }
    }

    private static void ThrowIfInvalid((string Key, string Problem)? invalid)
    {
        if (invalid is var (key, problem))
            throw new ConfigurationException(key, problem);
    }
}
