using ExchangeSpool.Server.Configuration;

namespace ExchangeSpool.Server.Tests.Configuration;

public class DataSizeTests
{
    [Theory]
    [InlineData("16MB", 16_777_216L)]
    [InlineData("1.5GB", 1_610_612_736L)]
    [InlineData("64kB", 65_536L)]
    [InlineData("512B", 512L)]
    [InlineData("1TB", 1L << 40)]
    [InlineData("2PB", 2L << 50)]
    [InlineData("0B", 0L)]
    public void Parses_units_as_powers_of_1024(string text, long expectedBytes)
    {
        Assert.True(DataSize.TryParse(text, out var bytes));
        Assert.Equal(expectedBytes, bytes);
    }

    [Fact]
    public void Plain_integer_is_bytes()
    {
        Assert.True(DataSize.TryParse("1048577", out var bytes));
        Assert.Equal(1_048_577L, bytes);
    }

    [Theory]
    [InlineData("16 MB")]
    [InlineData(" 16MB ")]
    [InlineData("16\tMB")]
    public void Allows_whitespace_around_number_and_unit(string text)
    {
        Assert.True(DataSize.TryParse(text, out var bytes));
        Assert.Equal(16L << 20, bytes);
    }

    [Theory]
    [InlineData("16mb")]
    [InlineData("16Mb")]
    [InlineData("16384KB")]
    [InlineData("16384kb")]
    public void Units_are_case_insensitive(string text)
    {
        Assert.True(DataSize.TryParse(text, out var bytes));
        Assert.Equal(16L << 20, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("MB")]
    [InlineData("-1MB")]
    [InlineData("16XB")]
    [InlineData("16 M B")]
    [InlineData("1.MB")]
    [InlineData(".5MB")]
    [InlineData("1,5MB")]
    public void Rejects_text_that_is_not_a_data_size(string text)
    {
        Assert.False(DataSize.TryParse(text, out _));
    }

    [Fact]
    public void Rejects_a_fraction_of_a_byte()
    {
        Assert.False(DataSize.TryParse("1.5B", out _));
    }

    [Fact]
    public void Rejects_sizes_beyond_a_long()
    {
        Assert.False(DataSize.TryParse("8192PB", out _));
    }

    [Fact]
    public void Accepts_the_largest_size_that_fits_a_long()
    {
        Assert.True(DataSize.TryParse("8191PB", out var bytes));
        Assert.Equal(8191L << 50, bytes);
    }

    [Theory]
    [InlineData(16_777_216L, "16MB")]
    [InlineData(1L << 30, "1GB")]
    [InlineData((16L << 20) + (64 << 10), "16448kB")]
    [InlineData(1023L, "1023B")]
    [InlineData(0L, "0B")]
    public void Formats_in_the_largest_exact_unit(long bytes, string expected)
    {
        Assert.Equal(expected, DataSize.Format(bytes));
    }
}
