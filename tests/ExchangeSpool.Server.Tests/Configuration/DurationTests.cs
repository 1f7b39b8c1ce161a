using ExchangeSpool.Server.Configuration;

namespace ExchangeSpool.Server.Tests.Configuration;

public class DurationTests
{
    public static TheoryData<string, TimeSpan> Durations => new()
    {
        { "10s", TimeSpan.FromSeconds(10) },
        { "1.5m", TimeSpan.FromSeconds(90) },
        { "250ms", TimeSpan.FromMilliseconds(250) },
        { "100us", TimeSpan.FromMicroseconds(100) },
        { "300ns", TimeSpan.FromTicks(3) },
        { "2h", TimeSpan.FromHours(2) },
        { "1d", TimeSpan.FromDays(1) },
        { "0s", TimeSpan.Zero },
    };

    [Theory]
    [MemberData(nameof(Durations))]
    public void Parses_each_unit(string text, TimeSpan expected)
    {
        Assert.True(Duration.TryParse(text, out var duration));
        Assert.Equal(expected, duration);
    }

    [Theory]
    [InlineData("10 s")]
    [InlineData(" 10s ")]
    [InlineData("10S")]
    public void Allows_whitespace_and_any_case(string text)
    {
        Assert.True(Duration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(10), duration);
    }

    [Theory]
    [InlineData("10")]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("10x")]
    [InlineData("-1s")]
    [InlineData("10 sec")]
    public void Rejects_text_that_is_not_a_duration(string text)
    {
        Assert.False(Duration.TryParse(text, out _));
    }

    [Fact]
    public void Rejects_a_value_finer_than_a_timespan_tick()
    {
        Assert.False(Duration.TryParse("150ns", out _));
    }

    [Fact]
    public void Rejects_durations_beyond_timespan()
    {
        Assert.False(Duration.TryParse("99999999999d", out _));
    }
}
