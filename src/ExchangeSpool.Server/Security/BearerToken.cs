using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using ExchangeSpool.Protocol;

namespace ExchangeSpool.Server.Security;

/// <summary>
/// The token clients must send, kept only as its SHA-256: a presented token is hashed and the two
/// hashes compared in constant time, so neither the comparison's time nor its length check tells
/// how much of a guess was right. The token itself is never kept, logged or echoed.
/// </summary>
public sealed class BearerToken
{
    private readonly byte[] _hash;

    private BearerToken(string token) => _hash = SHA256.HashData(Encoding.ASCII.GetBytes(token));

    /// <exception cref="ConfigurationException">The file cannot be read or holds no usable token; names the key and the path.</exception>
    public static BearerToken FromFile(string path)
    {
        try
        {
            return new BearerToken(BearerTokens.ReadFile(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(Configuration.ServerOptions.AuthTokenFileKey, $"cannot read '{path}': {e.Message}");
        }
        catch (InvalidDataException e)
        {
            throw new ConfigurationException(Configuration.ServerOptions.AuthTokenFileKey, e.Message);
        }
    }

    /// <summary>Whether an <c>authorization</c> header value carries this token (the scheme's case does not matter).</summary>
    public bool Matches(string? authorization)
    {
        if (authorization is null
            || authorization.Length <= BearerTokens.Scheme.Length
            || authorization.Length > BearerTokens.Scheme.Length + BearerTokens.MaxLength
            || !authorization.StartsWith(BearerTokens.Scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        var presented = authorization.AsSpan(BearerTokens.Scheme.Length);
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(presented.Length));
        try
        {
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(bytes.AsSpan(0, Encoding.UTF8.GetBytes(presented, bytes)), hash);
            return CryptographicOperations.FixedTimeEquals(hash, _hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes, clearArray: true);
        }
    }
}
