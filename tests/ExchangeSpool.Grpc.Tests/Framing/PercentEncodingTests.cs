using ExchangeSpool.Grpc.Internal;

namespace ExchangeSpool.Grpc.Tests.Framing;

public sealed class PercentEncodingTests
{
    [Fact]
    public void Encode_PrintableAscii_IsUnchanged() =>
        Assert.Equal("Not found: key 42 (retry later)", PercentEncoding.Encode("Not found: key 42 (retry later)"));

    [Fact]
    public void Encode_NonAsciiPercentAndControl_AreEncodedAsUtf8Bytes() =>
        Assert.Equal("caf%C3%A9 100%25%0A", PercentEncoding.Encode("café 100%\n"));

    [Fact]
    public void Decode_EncodedText_GivesOriginal() =>
        Assert.Equal("日本 ✓ 50% off", PercentEncoding.Decode(PercentEncoding.Encode("日本 ✓ 50% off")));

    [Fact]
    public void Decode_LowercaseHex_IsAccepted() =>
        Assert.Equal("é", PercentEncoding.Decode("%c3%a9"));

    [Theory]
    [InlineData("100%")]
    [InlineData("bad %zz escape")]
    [InlineData("%C3")]
    public void Decode_MalformedInput_IsKeptAsReceived(string value) =>
        Assert.Equal(value, PercentEncoding.Decode(value));
}
