namespace ExchangeSpool.Server.Configuration;

/// <summary>Where a setting's value came from, lowest precedence first.</summary>
public enum SettingSource
{
    Default,
    File,
    Environment,
    CommandLine,
}

/// <summary>The value a key ended up with, as text, and which source supplied it.</summary>
public sealed record EffectiveSetting(string Key, string Value, SettingSource Source);
