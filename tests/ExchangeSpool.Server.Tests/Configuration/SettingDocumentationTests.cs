using ExchangeSpool.Server.Configuration;

namespace ExchangeSpool.Server.Tests.Configuration;

public class SettingDocumentationTests
{
    [Fact]
    public void Markdown_table_has_a_header_and_one_row_per_key_in_table_order()
    {
        var lines = SettingDocumentation.ToMarkdownTable().TrimEnd('\n').Split('\n');

        Assert.Equal("| key | default | meaning |", lines[0]);
        Assert.Equal("|---|---|---|", lines[1]);
        Assert.Equal(SettingDefinitions.All.Select(definition => $"| `{definition.Key}` |"),
            lines[2..].Select(line => line[..(line.IndexOf('`', 3) + 3)]));
    }

    [Fact]
    public void Markdown_row_shows_the_default_and_meaning()
    {
        Assert.Contains(
            "| `exchange.sink-max-file-size` | `1GB` | A partition's file rolls over before passing this size (never when order is preserved). |\n",
            SettingDocumentation.ToMarkdownTable());
    }

    [Fact]
    public void Help_lists_every_key_with_its_default_and_environment_variable()
    {
        var help = SettingDocumentation.HelpText("exchange-spool");

        Assert.All(SettingDefinitions.All, definition =>
            Assert.Contains($"--{definition.Key}  (default {definition.DefaultText}; env {definition.EnvironmentVariable})", help));
    }

    [Fact]
    public void Help_lists_the_fixed_options()
    {
        var help = SettingDocumentation.HelpText("exchange-spool");

        Assert.Contains("Usage: exchange-spool ", help);
        Assert.Contains("--config <path>", help);
        Assert.Contains("--help", help);
        Assert.Contains("--version", help);
        Assert.Contains("$EXCHANGE_SPOOL_CONFIG", help);
    }
}
