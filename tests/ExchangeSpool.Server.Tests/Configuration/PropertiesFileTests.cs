using ExchangeSpool.Server.Configuration;

namespace ExchangeSpool.Server.Tests.Configuration;

public class PropertiesFileTests
{
    private static IReadOnlyList<PropertiesEntry> Parse(params string[] lines) => PropertiesFile.Parse("test.properties", lines);

    private static string ParseError(params string[] lines) =>
        Assert.Throws<ConfigurationException>(() => Parse(lines)).Message;

    [Fact]
    public void Reads_equals_and_colon_separators_with_line_numbers()
    {
        var entries = Parse("a=1", "b: 2");

        Assert.Equal([new PropertiesEntry("a", "1", 1), new PropertiesEntry("b", "2", 2)], entries);
    }

    [Fact]
    public void Trims_whitespace_around_key_and_value_but_keeps_it_inside_the_value()
    {
        var entry = Assert.Single(Parse("  key  =  two words  "));

        Assert.Equal(new PropertiesEntry("key", "two words", 1), entry);
    }

    [Fact]
    public void Splits_at_the_first_separator_so_values_may_contain_colons()
    {
        var entry = Assert.Single(Parse("exchange.spool.address=localhost:9477"));

        Assert.Equal("localhost:9477", entry.Value);
    }

    [Fact]
    public void Skips_comments_and_blank_lines()
    {
        var entries = Parse("# hash comment", "  ! bang comment", "", "   ", "key=value");

        Assert.Equal([new PropertiesEntry("key", "value", 5)], entries);
    }

    [Fact]
    public void Keeps_an_empty_value()
    {
        Assert.Equal("", Assert.Single(Parse("key=")).Value);
    }

    [Fact]
    public void Line_without_separator_names_file_and_line()
    {
        Assert.Equal("test.properties:2: expected key=value, found 'exchange.sink-max-file-size 1GB'",
            ParseError("a=1", "exchange.sink-max-file-size 1GB"));
    }

    [Fact]
    public void Duplicate_key_names_both_lines()
    {
        Assert.Equal("test.properties:4: duplicate key 'exchange.sink-max-file-size' (first set on line 2)",
            ParseError("a=1", "exchange.sink-max-file-size=1GB", "b=2", "exchange.sink-max-file-size=2GB"));
    }

    [Fact]
    public void Line_with_separator_but_no_key_is_an_error()
    {
        Assert.Equal("test.properties:1: missing key before '='", ParseError("=value"));
    }

    [Fact]
    public void Line_continuation_joins_the_next_line_without_its_indentation()
    {
        var entries = Parse("exchange.base-directories=/a,\\", "    /b", "next=1");

        Assert.Equal([new PropertiesEntry("exchange.base-directories", "/a,/b", 1), new PropertiesEntry("next", "1", 3)], entries);
    }

    [Fact]
    public void Escaped_separators_are_part_of_the_value_as_the_Stackable_operator_writes_them()
    {
        var entries = Parse("exchange.base-directories=s3\\://bucket/spool", "exchange.s3.aws-secret-key=${ENV\\:EXCHANGE_S3_AWS_SECRET_KEY}");

        Assert.Equal(["s3://bucket/spool", "${ENV:EXCHANGE_S3_AWS_SECRET_KEY}"], entries.Select(entry => entry.Value));
    }

    [Fact]
    public void Escaped_separator_in_a_key_does_not_end_the_key()
    {
        Assert.Equal(new PropertiesEntry("a:b", "c", 1), Assert.Single(Parse("a\\:b=c")));
    }

    [Fact]
    public void Java_escapes_are_decoded()
    {
        Assert.Equal("tab\there \u00e9 back\\slash", Assert.Single(Parse("key=tab\\there \\u00e9 back\\\\slash")).Value);
    }

    [Fact]
    public void An_escaped_trailing_space_is_kept()
    {
        Assert.Equal("x ", Assert.Single(Parse("key=x\\ ")).Value);
    }

    [Fact]
    public void A_malformed_unicode_escape_names_file_and_line()
    {
        Assert.Equal("test.properties:1: malformed \\uXXXX escape in 'bad\\u12'", ParseError("key=bad\\u12"));
    }
}
