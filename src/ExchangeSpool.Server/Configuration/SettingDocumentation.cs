using System.Text;

namespace ExchangeSpool.Server.Configuration;

/// <summary>The settings table rendered for people: the Markdown table of docs/configuration.md and the <c>--help</c> text.</summary>
public static class SettingDocumentation
{
    /// <summary>One row per key: <c>| key | default | meaning |</c>; docs/configuration.md carries this table verbatim.</summary>
    public static string ToMarkdownTable()
    {
        var table = new StringBuilder();
        table.Append("| key | default | meaning |\n");
        table.Append("|---|---|---|\n");
        foreach (var definition in SettingDefinitions.All)
            table.Append($"| `{definition.Key}` | {(definition.DefaultText.Length == 0 ? "" : $"`{definition.DefaultText}`")} | {definition.Meaning} |\n");
        return table.ToString();
    }

    public static string HelpText(string programName)
    {
        var help = new StringBuilder();
        help.Append($"""
            Usage: {programName} [--config <path>] [--<key>=<value> | --<key> <value>]...

            Spool server for Trino's fault-tolerant execution.

            Options:
              {CommandLineArguments.ConfigOption} <path>  the exchange-manager.properties file to read
                               (default: ${ServerConfiguration.ConfigFileVariable}; none: built-in defaults)
              {CommandLineArguments.HelpOption}           print this help and exit
              {CommandLineArguments.VersionOption}        print the version and exit

            Settings, from lowest to highest precedence: default, file, environment variable,
            command line. Data sizes are written like 16MB, 1.5GB, 64kB (1024-based); durations
            like 10s, 1.5m. Keys under {SettingDefinitions.PluginKeyPrefix} are read by the Trino
            plugin and ignored here.

            """);
        help.Append('\n');
        foreach (var definition in SettingDefinitions.All)
        {
            help.Append($"  {definition.CommandLineOption}  (default {definition.DefaultText}; env {definition.EnvironmentVariable})\n");
            help.Append($"      {definition.Meaning.Replace("`", "")}\n");
        }
        return help.ToString();
    }
}
