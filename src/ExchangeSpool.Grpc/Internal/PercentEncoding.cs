using System.Buffers;
using System.Text;

namespace ExchangeSpool.Grpc.Internal;

/// <summary>
/// The <c>grpc-message</c> encoding: UTF-8, then every byte outside printable ASCII (0x20-0x7E) and '%'
/// itself written as <c>%XX</c>, so any text survives HTTP header rules.
/// </summary>
internal static class PercentEncoding
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Encode(string value)
    {
        if (!value.AsSpan().ContainsAnyExceptInRange(' ', '~') && !value.Contains('%'))
        {
            return value;
        }

        var utf8 = Encoding.UTF8.GetBytes(value);
        var builder = new StringBuilder(utf8.Length * 3);
        foreach (var b in utf8)
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(HexDigit(b >> 4)).Append(HexDigit(b & 0xF));
            }
        }

        return builder.ToString();
    }

    /// <summary>Decodes <c>%XX</c> sequences; anything malformed is kept as received, as the spec asks.</summary>
    public static string Decode(string value)
    {
        if (!value.Contains('%'))
        {
            return value;
        }

        var bytes = ArrayPool<byte>.Shared.Rent(value.Length);
        try
        {
            var count = 0;
            for (var i = 0; i < value.Length; i++)
            {
                if (value[i] == '%' && i + 2 < value.Length && TryParseHex(value[i + 1], value[i + 2], out var decoded))
                {
                    bytes[count++] = decoded;
                    i += 2;
                }
                else if (value[i] > 0x7F)
                {
                    return value;
                }
                else
                {
                    bytes[count++] = (byte)value[i];
                }
            }

            try
            {
                return StrictUtf8.GetString(bytes, 0, count);
            }
            catch (DecoderFallbackException)
            {
                return value;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'A' + value - 10);

    private static bool TryParseHex(char high, char low, out byte value)
    {
        var h = HexValue(high);
        var l = HexValue(low);
        value = (byte)((h << 4) | l);
        return h >= 0 && l >= 0;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };
}
