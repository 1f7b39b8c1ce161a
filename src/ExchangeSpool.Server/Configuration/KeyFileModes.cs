using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Server.Configuration;

/// <summary>
/// Warns at start about a master key file that group or others may read: the key decrypts every
/// spooled file, so it should be readable by the server's user only (as a generated one is).
/// </summary>
public static partial class KeyFileModes
{
    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public static void WarnIfReadableByOthers(ILogger logger, EncryptionOptions encryption)
    {
        if (OperatingSystem.IsWindows())
            return;
        foreach (var path in encryption.KeyFilePaths.Where(File.Exists))
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & GroupOrOthers) != 0)
                ReadableByOthers(logger, Path.GetFullPath(path), Convert.ToString((int)mode, 8).PadLeft(4, '0'));
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "Master key file {Path} has mode {Mode}: users other than the server's can read it; make it owner-only (chmod 600)")]
    private static partial void ReadableByOthers(ILogger logger, string path, string mode);
}
