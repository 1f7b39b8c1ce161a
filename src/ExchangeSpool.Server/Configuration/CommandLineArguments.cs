namespace ExchangeSpool.Server.Configuration;

/// <summary>
/// The parsed command line: <c>--help</c>, <c>--version</c>, <c>--config &lt;path&gt;</c> and
/// <c>--&lt;key&gt;=&lt;value&gt;</c> or <c>--&lt;key&gt; &lt;value&gt;</c> for every known key.
/// A key given twice keeps the last value, as shells append overrides. The plugin's keys
/// (<c>exchange.spool.client.*</c>) are taken and ignored, as in the properties file, so one set of
/// options can be handed to both.
/// </summary>
internal sealed record CommandLineArguments(
    bool Help,
    bool Version,
    string? ConfigFile,
    IReadOnlyDictionary<string, string> Settings)
{
    public const string HelpOption = "--help";
    public const string VersionOption = "--version";
    public const string ConfigOption = "--config";

    public static CommandLineArguments Parse(IReadOnlyList<string> args)
    {
        var help = false;
        var version = false;
        string? configFile = null;
        var settings = new Dictionary<string, string>();
        for (var i = 0; i < args.Count; i++)
        {
            var argument = args[i];
            if (!argument.StartsWith("--", StringComparison.Ordinal))
                throw new ConfigurationException(argument, "unexpected argument; options start with -- (see --help)");
            var equals = argument.IndexOf('=');
            var option = equals < 0 ? argument : argument[..equals];
            string TakeValue()
            {
                if (equals >= 0)
                    return argument[(equals + 1)..].Trim();
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new ConfigurationException(option, "a value is required");
                return args[++i].Trim();
            }

            switch (option)
            {
                case HelpOption when equals < 0:
                    help = true;
                    break;
                case VersionOption when equals < 0:
                    version = true;
                    break;
                case ConfigOption:
                    configFile = TakeValue();
                    break;
                default:
                    if (SettingDefinitions.IsPluginKey(option[2..]))
                    {
                        TakeValue();
                        break;
                    }
                    var definition = SettingDefinitions.Find(option[2..])
                        ?? throw new ConfigurationException(option, "unknown option (see --help)");
                    settings[definition.Key] = TakeValue();
                    break;
            }
        }
        return new CommandLineArguments(help, version, configFile, settings);
    }
}
