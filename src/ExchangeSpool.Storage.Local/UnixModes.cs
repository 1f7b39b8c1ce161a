namespace ExchangeSpool.Storage.Local;

/// <summary>
/// Creates files and directories with an exact mode, whatever the process umask: created with the
/// mode (so never wider than it, as the umask only removes bits), then set to it (so the group and
/// other bits an operator asked for survive a restrictive umask). Windows has no modes: plain creation.
/// </summary>
internal static class UnixModes
{
    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>A new file for writing; fails if it exists.</summary>
    public static FileStream CreateNewFile(string path, UnixFileMode mode, FileShare share)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = share,
            Options = FileOptions.Asynchronous,
            BufferSize = 0,
        };
        if (OperatingSystem.IsWindows())
            return new FileStream(path, options);
        options.UnixCreateMode = mode;
        var stream = new FileStream(path, options);
        File.SetUnixFileMode(stream.SafeFileHandle, mode);
        return stream;
    }

    /// <summary>Creates <paramref name="directory"/> and each missing ancestor with <paramref name="mode"/>; existing ones keep theirs.</summary>
    public static void CreateDirectories(string directory, UnixFileMode mode)
    {
        if (Directory.Exists(directory))
            return;
        if (Path.GetDirectoryName(directory) is { } parent)
            CreateDirectories(parent, mode);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }
        Directory.CreateDirectory(directory, mode);
        File.SetUnixFileMode(directory, mode);
    }

}
