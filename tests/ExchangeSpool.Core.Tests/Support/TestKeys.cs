using System.Security.Cryptography;
using ExchangeSpool.Core.Encryption;

namespace ExchangeSpool.Core.Tests.Support;

/// <summary>Random master keys and key rings for encryption tests.</summary>
public static class TestKeys
{
    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeyRing.KeySize);

    /// <summary>A ring whose current key is the first one given.</summary>
    public static KeyRing Ring(params (uint Id, byte[] Key)[] keys) =>
        new(keys[0].Id, keys.ToDictionary(k => k.Id, k => k.Key));
}
