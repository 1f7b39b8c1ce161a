using System.Text.RegularExpressions;
using ExchangeSpool.Server.Tests.Process;

namespace ExchangeSpool.Server.Tests.Documentation;

/// <summary>The README points at one page per mechanism; every relative link of the README and the pages leads to a file that exists.</summary>
public sealed partial class DocumentationLinksTests
{
    public static TheoryData<string> Pages() =>
        new([.. new[] { "README.md", "docker/README.md", "benchmarks/README.md" }
            .Concat(Directory.GetFiles(Path.Combine(Repository.Root, "docs"), "*.md").Select(path => Path.GetRelativePath(Repository.Root, path)))]);

    [Theory]
    [MemberData(nameof(Pages))]
    public void EveryRelativeLink_LeadsToAFileThatExists(string page)
    {
        var path = Path.Combine(Repository.Root, page);
        var targets = Link().Matches(File.ReadAllText(path)).Select(match => match.Groups[1].Value)
            .Where(target => !target.Contains("://", StringComparison.Ordinal) && !target.StartsWith('#'));

        Assert.All(targets, target =>
            Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(path)!, target.Split('#')[0])), $"{page} links to {target}, which does not exist"));
    }

    [Fact]
    public void Readme_LinksEveryPageUnderDocs()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));

        Assert.All(Directory.GetFiles(Path.Combine(Repository.Root, "docs"), "*.md"), page =>
            Assert.Contains($"](docs/{Path.GetFileName(page)})", readme));
    }

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();
}
