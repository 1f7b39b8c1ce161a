namespace ExchangeSpool.Server.Configuration;

/// <summary>Where a setting's value came from, lowest precedence first.</summary>
public enum SettingSource
{
    Default,
    File,
    Environment,
    CommandLine,
}

/// <summary>The value a key ended up with, as text (a secret's redacted), and which source supplied it.</summary>
public sealed record EffectiveSetting(string Key, string Value, SettingSource Source)
{
    /// <summary>How the server reports it at start: <c>exchange.sink-max-file-size=2147483648B (file)</c>.</summary>
    public string ReportLine => $"{Key}={Value} ({Source switch
    {
        SettingSource.File => "file",
        SettingSource.Environment => "environment",
        SettingSource.CommandLine => "command line",
        _ => "default",
    }})";
}
