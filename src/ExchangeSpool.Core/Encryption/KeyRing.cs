using System.Security.Cryptography;
using System.Text;

namespace ExchangeSpool.Core.Encryption;

/// <summary>
/// The master keys a server holds, by key id: the current one, which new files are written with,
/// and previous ones kept so that files written before a rotation stay readable. Each exchange
/// gets its own AES-256 key, derived with HKDF-SHA256 from a master key and the exchange's random
/// salt. Key bytes never leave this class and its ciphers: <see cref="ToString"/> names ids only.
/// </summary>
public sealed class KeyRing
{
    public const int KeySize = 32;

    /// <summary>The HKDF info names the purpose and the exchange, so a key derived for one use or exchange fits no other.</summary>
    private const string InfoPrefix = "exchange-spool/v1/block-key/";

    private readonly Dictionary<uint, byte[]> _masterKeys;

    /// <param name="currentKeyId">The id of the key files are written with; it must be in <paramref name="masterKeys"/>.</param>
    /// <param name="masterKeys">Every key by id (ids from 1; 0 marks an unencrypted file); the bytes are copied.</param>
    public KeyRing(uint currentKeyId, IReadOnlyDictionary<uint, byte[]> masterKeys)
    {
        foreach (var (id, key) in masterKeys)
        {
            if (id == 0)
                throw new ArgumentOutOfRangeException(nameof(masterKeys), "key id 0 is reserved for unencrypted files");
            if (key.Length != KeySize)
                throw new ArgumentException($"key id {id} is {key.Length} bytes long; a master key is {KeySize} bytes", nameof(masterKeys));
        }
        if (!masterKeys.ContainsKey(currentKeyId))
            throw new ArgumentException($"the current key id {currentKeyId} has no key", nameof(currentKeyId));
        CurrentKeyId = currentKeyId;
        _masterKeys = masterKeys.ToDictionary(entry => entry.Key, entry => entry.Value.ToArray());
    }

    public uint CurrentKeyId { get; }

    /// <summary>Every key id held, ascending.</summary>
    public IReadOnlyList<uint> KeyIds => _masterKeys.Keys.Order().ToArray();

    public bool Contains(uint keyId) => _masterKeys.ContainsKey(keyId);

    /// <summary>Writes the AES-256 key of <paramref name="exchange"/> under master key <paramref name="keyId"/> into <paramref name="destination"/> (32 bytes).</summary>
    public void DeriveExchangeKey(uint keyId, ExchangeSpec exchange, Span<byte> destination)
    {
        if (exchange.Salt.Length != ExchangeSpec.SaltSize)
            throw SpoolException.InvalidArgument(
                $"the descriptor of exchange {exchange.Key} carries a {exchange.Salt.Length}-byte salt; encrypted exchanges need the {ExchangeSpec.SaltSize}-byte salt the server created");
        var masterKey = _masterKeys.TryGetValue(keyId, out var key)
            ? key
            : throw new ArgumentOutOfRangeException(nameof(keyId), keyId, "no such key id");
        HKDF.DeriveKey(HashAlgorithmName.SHA256, masterKey, destination[..KeySize], exchange.Salt.Span,
            Encoding.UTF8.GetBytes(InfoPrefix + exchange.Key));
    }

    /// <summary>A cipher for the blocks of <paramref name="exchange"/> under key <paramref name="keyId"/>; one user at a time, disposed by its owner.</summary>
    public BlockCipher CreateCipher(uint keyId, ExchangeSpec exchange)
    {
        Span<byte> key = stackalloc byte[KeySize];
        try
        {
            DeriveExchangeKey(keyId, exchange, key);
            return new BlockCipher(keyId, key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public override string ToString() => $"key ring (current key id {CurrentKeyId}; key ids {string.Join(", ", KeyIds)})";
}
