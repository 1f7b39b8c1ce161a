using ExchangeSpool.Server.Configuration;
using ExchangeSpool.Server.Tests.Process;

namespace ExchangeSpool.Server.Tests.Configuration;

public sealed class ConfigurationReferenceTests
{
    private const string Page = "docs/configuration.md";

    /// <summary>
    /// The page's table is the settings' own documentation. Run with <c>EXCHANGE_SPOOL_WRITE_DOCS=1</c>
    /// to write the current table into the page instead of failing.
    /// </summary>
    [Fact]
    public void ConfigurationPage_CarriesTheTableGeneratedFromTheSettings()
    {
        var path = Path.Combine(Repository.Root, Page);
        var page = File.ReadAllText(path).ReplaceLineEndings("\n");
        var table = SettingDocumentation.ToMarkdownTable();
        if (!page.Contains(table, StringComparison.Ordinal) && Environment.GetEnvironmentVariable("EXCHANGE_SPOOL_WRITE_DOCS") == "1")
        {
            File.WriteAllText(path, WithTable(page, table));
            page = File.ReadAllText(path);
        }
        Assert.True(page.Contains(table, StringComparison.Ordinal),
            $"{Page}'s configuration table is out of date: run this test with EXCHANGE_SPOOL_WRITE_DOCS=1, or replace it with:\n{table}");
    }

    /// <summary>The page with its table (the lines from the header row to the first line that is not a row) replaced.</summary>
    private static string WithTable(string page, string table)
    {
        var lines = page.Split('\n').ToList();
        var start = lines.IndexOf(table.Split('\n')[0]);
        var end = lines.FindIndex(start, line => !line.StartsWith('|'));
        lines.RemoveRange(start, end - start);
        lines.Insert(start, table.TrimEnd('\n'));
        return string.Join('\n', lines);
    }
}
