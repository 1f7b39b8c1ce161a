using ExchangeSpool.Core.Compression;
using ExchangeSpool.Core.Storage;
using static ExchangeSpool.Core.Configuration.SettingParsers;

namespace ExchangeSpool.Server.Configuration;

/// <summary>The server's own parsers, next to the shared <see cref="SettingParsers"/>: a typed value, or an error naming the key, the bad value and an example.</summary>
internal static class SettingValueParsers
{
    /// <summary>A master key given as base64 text; the error never repeats the value.</summary>
    public static byte[]? MasterKey(string key, string text) =>
        text.Length == 0 ? null : MasterKeyText.Decode(key, text, "the value");

    public static LoadedKeyFile? MasterKeyFile(string key, string text) =>
        text.Length == 0 ? null : new LoadedKeyFile(text, MasterKeyText.ReadFile(key, text));

    /// <summary>A key id: 1 and up, as 0 marks an unencrypted file.</summary>
    public static uint KeyId(string key, string text) => (uint)PositiveInteger(key, text);

    /// <summary>Comma-separated <c>id=path</c> entries, each file holding one base64 key.</summary>
    public static IReadOnlyDictionary<uint, LoadedKeyFile> MasterKeyFiles(string key, string text)
    {
        var keys = new Dictionary<uint, LoadedKeyFile>();
        foreach (var entry in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var separator = entry.IndexOf('=');
            if (separator < 1 || separator == entry.Length - 1)
                throw NotA(key, entry, "an id=path entry", "1=/etc/exchange-spool/key-1, 2=/etc/exchange-spool/key-2");
            var id = KeyId(key, entry[..separator].Trim());
            var path = entry[(separator + 1)..].Trim();
            if (!keys.TryAdd(id, new LoadedKeyFile(path, MasterKeyText.ReadFile(key, path))))
                throw new ConfigurationException(key, $"key id {id} is listed twice");
        }
        return keys;
    }

    /// <summary><c>none</c> or <c>lz4</c>; lz4 only when the system library loads, so a missing package stops the server at start.</summary>
    public static BlockCompression Compression(string key, string text)
    {
        if (text.Equals("none", StringComparison.OrdinalIgnoreCase))
            return BlockCompression.None;
        if (!text.Equals("lz4", StringComparison.OrdinalIgnoreCase))
            throw NotA(key, text, "a compression", "none, lz4");
        return Lz4Native.TryLoad(Lz4Native.LibraryName, out var problem)
            ? BlockCompression.Lz4
            : throw new ConfigurationException(key, problem);
    }

    /// <summary>The path of a token file, read once here so that an unusable file stops the server at start.</summary>
    public static string? TokenFile(string key, string text)
    {
        if (text.Length == 0)
            return null;
        Security.BearerToken.FromFile(text);
        return text;
    }

    public static ListenAddress? OptionalAddress(string key, string text) => text.Length == 0 ? null : Address(key, text);

    public static ListenAddress Address(string key, string text) =>
        ListenAddress.TryParse(text, out var address) ? address! : throw NotA(key, text, "host:port", ListenAddress.Examples);

    /// <summary>
    /// Comma-separated base directories, all of one backend (the one whose scheme they carry; plain
    /// paths are local), each checked and normalised by that backend. A scheme no backend of this
    /// build serves (HDFS, GCS, Azure) is refused by name rather than taken for a relative path.
    /// </summary>
    public static IReadOnlyList<string> BaseDirectories(string key, string text)
    {
        var entries = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var backends = entries.Select(entry =>
            {
                var scheme = StorageBackends.SchemeOf(entry);
                return StorageBackends.ForScheme(scheme)
                    ?? throw new ConfigurationException(key, $"scheme '{scheme}' is not supported by this build (supported: {StorageBackends.SupportedSchemes})");
            })
            .Distinct()
            .ToList();
        if (backends.Count > 1)
            throw new ConfigurationException(key, $"mixes base directories of the {string.Join(" and ", backends.Select(backend => backend.Kind))} backends; all base directories must be of one backend");
        return backends.Count == 0 ? [] : backends[0].ParseBaseDirectories(key, entries);
    }
}
