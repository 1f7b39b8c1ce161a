using System.Globalization;
using ExchangeSpool.Core.Compression;
using ExchangeSpool.Storage.S3;

namespace ExchangeSpool.Server.Configuration;

/// <summary>Turns a setting's text into a typed value, or throws naming the key, the bad value and an example.</summary>
internal static class SettingValueParsers
{
    public static long DataSizeBytes(string key, string text) =>
        DataSize.TryParse(text, out var bytes) ? bytes : throw NotA(key, text, "a data size", DataSize.Examples);

    /// <summary>For sizes held in an int, such as buffer and message sizes.</summary>
    public static int SmallDataSizeBytes(string key, string text)
    {
        var bytes = DataSizeBytes(key, text);
        return bytes <= int.MaxValue
            ? (int)bytes
            : throw new ConfigurationException(key, $"'{text}' is too large (must be below {DataSize.Format(int.MaxValue + 1L)})");
    }

    public static int Integer(string key, string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw NotA(key, text, "an integer", "4, 50");

    public static int PositiveInteger(string key, string text)
    {
        var value = Integer(key, text);
        return value >= 1 ? value : throw new ConfigurationException(key, $"must be at least 1, found {value}");
    }

    public static bool Boolean(string key, string text)
    {
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase))
            return true;
        if (text.Equals("false", StringComparison.OrdinalIgnoreCase))
            return false;
        throw NotA(key, text, "a boolean", "true, false");
    }

    public static TimeSpan PositiveDuration(string key, string text) =>
        Duration.TryParse(text, out var duration) && duration > TimeSpan.Zero
            ? duration
            : throw NotA(key, text, "a positive duration", Duration.Examples);

    /// <summary>Permission bits in octal, as chmod takes them (<c>0640</c>, <c>750</c>); no setuid, setgid or sticky bit.</summary>
    public static UnixFileMode UnixMode(string key, string text)
    {
        const int AllPermissionBits = 0b111_111_111; // 0777
        try
        {
            var bits = text.Length is >= 3 and <= 4 ? Convert.ToInt32(text, 8) : -1;
            if (bits is >= 0 and <= AllPermissionBits)
                return (UnixFileMode)bits;
        }
        catch (FormatException)
        {
        }
        throw NotA(key, text, "an octal permission mode from 000 to 0777", "0600, 0640, 0750");
    }

    /// <summary>An optional path: empty means not set.</summary>
    public static string? OptionalText(string key, string text) => text.Length == 0 ? null : text;

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

    public static ListenAddress? OptionalAddress(string key, string text) => text.Length == 0 ? null : Address(key, text);

    public static ListenAddress Address(string key, string text) =>
        ListenAddress.TryParse(text, out var address) ? address! : throw NotA(key, text, "host:port", ListenAddress.Examples);

    /// <summary>
    /// Comma-separated base directories of one backend: local ones (each a plain path or a
    /// <c>file:</c> URI) or S3 ones (<c>s3://bucket/prefix</c>). Other schemes Trino knows (HDFS,
    /// GCS, Azure) are not in this build, so say so rather than treat them as relative paths.
    /// </summary>
    public static IReadOnlyList<string> BaseDirectories(string key, string text)
    {
        var entries = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var directories = new List<string>();
        var uriCount = 0;
        var s3Count = 0;
        foreach (var entry in entries)
        {
            var scheme = UriScheme(entry);
            if (scheme is null)
            {
                directories.Add(entry);
                continue;
            }
            if (scheme.Equals(S3Location.Scheme, StringComparison.OrdinalIgnoreCase))
            {
                directories.Add(S3BaseDirectory(key, entry));
                s3Count++;
                continue;
            }
            if (!scheme.Equals(Uri.UriSchemeFile, StringComparison.OrdinalIgnoreCase))
                throw new ConfigurationException(key, $"scheme '{scheme}' is not supported by this build (local directories and s3:// only)");
            if (!Uri.TryCreate(entry, UriKind.Absolute, out var uri) || !uri.IsLoopback)
                throw new ConfigurationException(key, $"'{entry}' is not a local file URI (example: file:///var/spool/exchange)");
            directories.Add(uri.LocalPath);
            uriCount++;
        }
        if (s3Count > 0 && s3Count < directories.Count)
            throw new ConfigurationException(key, "mixes s3:// locations and local directories; all base directories must be of one backend");
        if (uriCount > 0 && uriCount < directories.Count)
            throw new ConfigurationException(key, "mixes file: URIs and plain paths; write every entry the same way");
        return directories;
    }

    private static string S3BaseDirectory(string key, string entry)
    {
        try
        {
            return S3Location.Parse(entry).ToString();
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(key, e.Message);
        }
    }

    /// <summary>The scheme of a URI, or null for a plain path. One letter is a Windows drive (<c>C:\spool</c>), not a scheme.</summary>
    private static string? UriScheme(string entry)
    {
        var colon = entry.IndexOf(':');
        if (colon < 2 || !char.IsAsciiLetter(entry[0]))
            return null;
        var scheme = entry[..colon];
        return scheme.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.') ? scheme : null;
    }

    private static ConfigurationException NotA(string key, string text, string what, string examples) =>
        new(key, $"'{text}' is not {what} (examples: {examples})");
}
