using ExchangeSpool.Server.Configuration;

namespace ExchangeSpool.Server.Tests.Configuration;

public sealed class ReadmeTableTests
{
    [Fact]
    public void Readme_CarriesTheConfigurationTableGeneratedFromTheSettings()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")).ReplaceLineEndings("\n");
        var table = SettingDocumentation.ToMarkdownTable();
        Assert.True(readme.Contains(table, StringComparison.Ordinal),
            $"README.md's configuration table is out of date; replace it with:\n{table}");
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ExchangeSpool.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("ExchangeSpool.sln not found above the test assembly");
    }
}
