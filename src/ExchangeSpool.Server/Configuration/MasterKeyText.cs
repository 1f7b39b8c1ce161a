using System.Security.Cryptography;
using ExchangeSpool.Core.Encryption;

namespace ExchangeSpool.Server.Configuration;

/// <summary>
/// A master key as text: base64 of 32 bytes, in a setting, an environment variable or a file.
/// Errors name the setting and what is wrong, never the value.
/// </summary>
internal static class MasterKeyText
{
    public static byte[] Decode(string key, string text, string where)
    {
        var decoded = new byte[(text.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(text.Trim(), decoded, out var length))
            throw new ConfigurationException(key, $"{where} is not base64; a master key is {KeyRing.KeySize} random bytes, base64-encoded (e.g. `openssl rand -base64 32`)");
        try
        {
            return length == KeyRing.KeySize
                ? decoded[..length]
                : throw new ConfigurationException(key, $"{where} decodes to {length} bytes; a master key is {KeyRing.KeySize} bytes, base64-encoded (e.g. `openssl rand -base64 32`)");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(decoded);
        }
    }

    public static byte[] ReadFile(string key, string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(key, $"cannot read key file '{path}': {e.Message}");
        }
        return Decode(key, text, $"key file '{path}'");
    }

    /// <summary>Writes a new key file readable by its owner only; fails if the file exists.</summary>
    public static void WriteNewFile(string path, byte[] masterKey)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options);
        writer.Write(Convert.ToBase64String(masterKey));
        writer.Write('\n');
    }
}
