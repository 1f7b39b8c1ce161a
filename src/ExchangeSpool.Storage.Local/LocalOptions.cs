namespace ExchangeSpool.Storage.Local;

/// <summary>How the local backend writes: durability and the modes of what it creates.</summary>
public sealed record LocalOptions
{
    public const string FsyncKey = "exchange.spool.local-fsync";
    public const string FileModeKey = "exchange.spool.local.file-mode";
    public const string DirectoryModeKey = "exchange.spool.local.directory-mode";

    /// <summary><c>exchange.spool.local-fsync</c>: whether data files and manifests are flushed to disk before a commit counts.</summary>
    public bool Fsync { get; init; }

    /// <summary><c>exchange.spool.local.file-mode</c>: the mode of every data file and manifest.</summary>
    public UnixFileMode FileMode { get; init; } = UnixModes.OwnerOnlyFile;

    /// <summary><c>exchange.spool.local.directory-mode</c>: the mode of every directory it creates.</summary>
    public UnixFileMode DirectoryMode { get; init; } = UnixModes.OwnerOnlyDirectory;

    /// <summary>Returns the first invalid setting as (key, problem), or null when all are valid.</summary>
    public (string Key, string Problem)? FindInvalidSetting()
    {
        const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if ((FileMode & OwnerReadWrite) != OwnerReadWrite || (FileMode & AnyExecute) != 0)
            return (FileModeKey, "must let the owner read and write (0600) and set no execute bit");
        if ((DirectoryMode & UnixModes.OwnerOnlyDirectory) != UnixModes.OwnerOnlyDirectory)
            return (DirectoryModeKey, "must let the owner read, write and enter (0700)");
        return null;
    }
}
