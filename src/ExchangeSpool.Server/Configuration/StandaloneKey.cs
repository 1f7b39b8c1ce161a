using System.Security.Cryptography;
using ExchangeSpool.Core.Encryption;

namespace ExchangeSpool.Server.Configuration;

/// <summary>
/// The master key of a standalone server with encryption on and no key configured: generated on
/// first start into the data directory, readable by the owner only, and reused on later starts so
/// that files spooled before a restart stay readable.
/// </summary>
public static class StandaloneKey
{
    public const string FileName = "encryption-master-key";

    /// <summary>The key file's path, and whether this start generated it.</summary>
    public sealed record Location(string Path, bool Generated);

    /// <summary>Where the key of a standalone server with these options lives.</summary>
    public static string PathOf(EncryptionOptions options) =>
        System.IO.Path.Combine(System.IO.Path.GetFullPath(options.DataDirectory), FileName);

    public static KeyRing LoadOrGenerate(EncryptionOptions options, out Location location)
    {
        var path = PathOf(options);
        var directory = System.IO.Path.GetDirectoryName(path)!;
        if (File.Exists(path))
        {
            location = new Location(path, Generated: false);
            return options.ToKeyRing(MasterKeyText.ReadFile(EncryptionOptions.DataDirectoryKey, path));
        }
        var key = RandomNumberGenerator.GetBytes(KeyRing.KeySize);
        try
        {
            if (OperatingSystem.IsWindows())
                Directory.CreateDirectory(directory);
            else
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            MasterKeyText.WriteNewFile(path, key);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(EncryptionOptions.DataDirectoryKey, $"cannot write a generated master key to '{path}': {e.Message}");
        }
        location = new Location(path, Generated: true);
        return options.ToKeyRing(key);
    }
}
