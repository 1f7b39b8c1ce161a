using System.Security.Cryptography;
using ExchangeSpool.Core.Format;

namespace ExchangeSpool.Core.Encryption;

/// <summary>
/// AES-256-GCM over block payloads with one exchange's key. The nonce and associated data come from
/// the block's <see cref="SpoolFileBinding"/>: a block only opens in the file, at the position and
/// with the header it was sealed with. Not thread-safe (OpenSSL keeps one context per instance):
/// each sink attempt and each file reader owns one, created once, not per block.
/// </summary>
public sealed class BlockCipher : IDisposable
{
    public const int TagSize = 16;

    private readonly AesGcm _aes;

    internal BlockCipher(uint keyId, ReadOnlySpan<byte> key)
    {
        KeyId = keyId;
        _aes = new AesGcm(key, TagSize);
    }

    /// <summary>The master key id the key was derived from; it goes into the file header.</summary>
    public uint KeyId { get; }

    /// <summary>Encrypts <paramref name="payload"/> in place and writes its tag.</summary>
    public void Encrypt(SpoolFileBinding file, ReadOnlySpan<byte> blockHeader, Span<byte> payload, Span<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[SpoolFileBinding.NonceSize];
        Span<byte> associatedData = stackalloc byte[SpoolFileBinding.AssociatedDataSize];
        file.WriteNonceAndAssociatedData(blockHeader, nonce, associatedData);
        _aes.Encrypt(nonce, payload, payload, tag, associatedData);
    }

    /// <summary>Decrypts <paramref name="payload"/> in place; false (payload cleared) when the tag does not authenticate it.</summary>
    public bool TryDecrypt(SpoolFileBinding file, ReadOnlySpan<byte> blockHeader, Span<byte> payload, ReadOnlySpan<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[SpoolFileBinding.NonceSize];
        Span<byte> associatedData = stackalloc byte[SpoolFileBinding.AssociatedDataSize];
        file.WriteNonceAndAssociatedData(blockHeader, nonce, associatedData);
        try
        {
            _aes.Decrypt(nonce, payload, tag, payload, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    public void Dispose() => _aes.Dispose();
}
