using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Storage;
using static ExchangeSpool.Core.Configuration.SettingDefinition;
using static ExchangeSpool.Core.Configuration.SettingParsers;

namespace ExchangeSpool.Storage.Local;

/// <summary>Local and shared (mounted) directories: plain paths or <c>file:///</c> URIs.</summary>
public sealed class LocalStorageBackend : IStorageBackend
{
    public const string FileScheme = "file";

    public string Kind => "local";

    public IReadOnlyList<string> Schemes { get; } = [IStorageBackend.PlainPath, FileScheme];

    public string BaseDirectoryDescription => "local or mounted directories (plain paths or `file:///` URIs)";

    public IReadOnlyList<SettingDefinition> Settings { get; } =
    [
        Bound<LocalOptions, bool>(LocalOptions.FsyncKey, "false",
            "Local backend: `true` flushes each data file and then the commit manifest to disk before a commit is acknowledged, so commits survive a machine crash (an fsync per file and per commit); `false` flushes neither, so commits survive a server crash but not a machine crash, as with Trino's own local exchange.",
            Boolean, (local, fsync) => local with { Fsync = fsync }),
        Bound<LocalOptions, UnixFileMode>(LocalOptions.FileModeKey, "0600",
            "Local backend: the mode (octal) of every data file and commit manifest, set exactly whatever the umask; add group bits (`0640`) only for a shared volume whose other servers run as another user of the group.",
            UnixMode, (local, mode) => local with { FileMode = mode }),
        Bound<LocalOptions, UnixFileMode>(LocalOptions.DirectoryModeKey, "0700",
            "Local backend: the mode (octal) of every directory it creates, set exactly whatever the umask (`0750` to go with a file mode of `0640`).",
            UnixMode, (local, mode) => local with { DirectoryMode = mode }),
    ];

    /// <summary>Plain paths are kept as written (relative ones resolve against the working directory when the storage starts); <c>file:</c> URIs become their local path.</summary>
    public IReadOnlyList<string> ParseBaseDirectories(string key, IReadOnlyList<string> entries)
    {
        var uriCount = 0;
        var directories = new List<string>(entries.Count);
        foreach (var entry in entries)
        {
            if (!entry.StartsWith(FileScheme + ":", StringComparison.OrdinalIgnoreCase))
            {
                directories.Add(entry);
                continue;
            }
            if (!Uri.TryCreate(entry, UriKind.Absolute, out var uri) || !uri.IsLoopback)
                throw new ConfigurationException(key, $"'{entry}' is not a local file URI (example: file:///var/spool/exchange)");
            directories.Add(uri.LocalPath);
            uriCount++;
        }
        if (uriCount > 0 && uriCount < directories.Count)
            throw new ConfigurationException(key, "mixes file: URIs and plain paths; write every entry the same way");
        return directories;
    }

    public (string Key, string Problem)? FindInvalidSetting(BoundOptions options) => options.Get<LocalOptions>().FindInvalidSetting();

    public IExchangeStorage Create(IReadOnlyList<string> baseDirectories, BoundOptions options, StorageContext context)
    {
        var local = options.Get<LocalOptions>();
        return new LocalExchangeStorage(baseDirectories, local.Fsync, local.FileMode, local.DirectoryMode);
    }

    /// <summary>Permission bits in octal, as chmod takes them (<c>0640</c>, <c>750</c>); no setuid, setgid or sticky bit.</summary>
    private static UnixFileMode UnixMode(string key, string text)
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
}
