using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server.Configuration;

/// <summary>
/// Warns at start about a master key given while encryption is off: the server then writes plain
/// files, although whoever configured the key most likely expected encrypted ones. Not an error, as
/// turning encryption off for a while (keeping the key in place) is a legitimate choice.
/// </summary>
public static partial class UnusedKeyWarnings
{
    public static void WarnIfKeysUnused(ILogger logger, EncryptionOptions encryption)
    {
        foreach (var key in encryption.KeySettingsUnusedWhileDisabled)
            KeyUnused(logger, key, EncryptionOptions.EnabledKey);
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "{Key} is set but {EnabledKey} is false: spooled files are written unencrypted and the key is not used; set {EnabledKey}=true to encrypt")]
    private static partial void KeyUnused(ILogger logger, string key, string enabledKey);
}
