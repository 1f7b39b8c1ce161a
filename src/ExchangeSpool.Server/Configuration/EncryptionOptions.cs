using ExchangeSpool.Core.Encryption;

namespace ExchangeSpool.Server.Configuration;

/// <summary>
/// Encryption at rest as configured: whether it is on, the master keys given (bytes, already
/// decoded; never printed: a byte array prints as its type name) and where a standalone server
/// keeps the key it generates.
/// </summary>
public sealed record EncryptionOptions
{
    public const string EnabledKey = "exchange.encryption-enabled";
    public const string KeySettingKey = "exchange.spool.encryption.key";
    public const string KeyFileKey = "exchange.spool.encryption.key-file";
    public const string KeyIdKey = "exchange.spool.encryption.key-id";
    public const string PreviousKeyFilesKey = "exchange.spool.encryption.previous-key-files";
    public const string ClusterModeKey = "exchange.spool.cluster-mode";
    public const string DataDirectoryKey = "exchange.spool.data-directory";

    /// <summary><c>exchange.encryption-enabled</c>.</summary>
    public bool Enabled { get; init; }

    /// <summary>The current master key from <c>exchange.spool.encryption.key</c> (usually its environment variable).</summary>
    public byte[]? Key { get; init; }

    /// <summary>The current master key read from <c>exchange.spool.encryption.key-file</c>.</summary>
    public LoadedKeyFile? KeyFromFile { get; init; }

    /// <summary><c>exchange.spool.encryption.key-id</c>: the id new files are written with.</summary>
    public uint KeyId { get; init; } = 1;

    /// <summary><c>exchange.spool.encryption.previous-key-files</c>: keys kept to read files written before a rotation.</summary>
    public IReadOnlyDictionary<uint, LoadedKeyFile> PreviousKeys { get; init; } = new Dictionary<uint, LoadedKeyFile>();

    /// <summary><c>exchange.spool.cluster-mode</c>: this server is one of several sharing storage, so it may not invent a key.</summary>
    public bool ClusterMode { get; init; }

    /// <summary><c>exchange.spool.data-directory</c>: where a standalone server keeps the key it generated.</summary>
    public string DataDirectory { get; init; } = "./spool-state";

    private byte[]? CurrentKey => Key ?? KeyFromFile?.Key;

    /// <summary>Every file a master key is read from or generated into, for the check of their modes at start.</summary>
    public IEnumerable<string> KeyFilePaths =>
    [
        .. KeyFromFile is { } current ? [current.Path] : Array.Empty<string>(),
        .. PreviousKeys.Values.Select(file => file.Path),
        .. NeedsGeneratedKey ? [StandaloneKey.PathOf(this)] : Array.Empty<string>(),
    ];

    /// <summary>True when encryption is on and no key is configured: a standalone server then generates one at start.</summary>
    public bool NeedsGeneratedKey => Enabled && CurrentKey is null;

    /// <summary>The keys as a ring, or null when encryption is off or the key is still to be generated.</summary>
    public KeyRing? ToKeyRing() =>
        Enabled && CurrentKey is { } current ? ToKeyRing(current) : null;

    /// <summary>A ring with <paramref name="current"/> under <see cref="KeyId"/> and the previous keys.</summary>
    public KeyRing ToKeyRing(byte[] current)
    {
        var keys = PreviousKeys.ToDictionary(entry => entry.Key, entry => entry.Value.Key);
        keys[KeyId] = current;
        return new KeyRing(KeyId, keys);
    }

    /// <summary>The keys that give a master key although encryption is off: nothing reads them, which the operator likely did not mean.</summary>
    public IEnumerable<string> KeySettingsUnusedWhileDisabled =>
        Enabled
            ? []
            : new (bool Given, string Key)[] { (Key is not null, KeySettingKey), (KeyFromFile is not null, KeyFileKey), (PreviousKeys.Count > 0, PreviousKeyFilesKey) }
                .Where(setting => setting.Given)
                .Select(setting => setting.Key);

    /// <summary>Returns the first invalid setting as (key, problem), or null when all are valid.</summary>
    public (string Key, string Problem)? FindInvalidSetting()
    {
        if (Key is not null && KeyFromFile is not null)
            return (KeyFileKey, $"set either this or {KeySettingKey}, not both");
        if (PreviousKeys.ContainsKey(KeyId))
            return (PreviousKeyFilesKey, $"key id {KeyId} is the current key id ({KeyIdKey}); a previous key needs an id of its own");
        if (NeedsGeneratedKey && ClusterMode)
            return (EnabledKey,
                $"a server that is part of a cluster ({ClusterModeKey}=true) needs the cluster's master key in {KeyFileKey} or {KeySettingKey} " +
                "(environment variable EXCHANGE_SPOOL_ENCRYPTION_KEY): servers with different keys cannot read each other's files");
        return null;
    }
}

/// <summary>A master key and the file it was read from (the path is shown, the key never is).</summary>
public sealed record LoadedKeyFile(string Path, byte[] Key);
