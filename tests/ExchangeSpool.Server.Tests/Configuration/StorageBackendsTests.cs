using ExchangeSpool.Core.Storage;
using ExchangeSpool.Server.Configuration;

namespace ExchangeSpool.Server.Tests.Configuration;

/// <summary>The backends this build lists, as the configuration sees them through the seam.</summary>
public sealed class StorageBackendsTests
{
    [Fact]
    public void Every_scheme_is_served_by_exactly_one_backend()
    {
        var schemes = StorageBackends.All.SelectMany(backend => backend.Schemes).ToList();

        Assert.Equal(schemes.Count, schemes.Distinct().Count());
        Assert.All(schemes, scheme => Assert.Equal(scheme.ToLowerInvariant(), scheme));
    }

    [Theory]
    [InlineData("/var/spool/exchange", "local")]
    [InlineData("relative/spool", "local")]
    [InlineData("file:///var/spool/exchange", "local")]
    [InlineData("s3://bucket/prefix", "s3")]
    [InlineData("s3a://bucket/prefix", "s3")]
    [InlineData("S3N://bucket/prefix", "s3")]
    public void Base_directory_is_served_by_the_backend_of_its_scheme(string directory, string kind)
    {
        Assert.Equal(kind, StorageBackends.ForScheme(StorageBackends.SchemeOf(directory))?.Kind);
    }

    [Fact]
    public void Every_backends_settings_are_among_the_servers_keys_in_the_backends_order()
    {
        Assert.All(StorageBackends.All, backend =>
            Assert.Equal(backend.Settings.Select(setting => setting.Key),
                SettingDefinitions.All.Where(definition => StorageBackends.OwnerOf(definition.Key) == backend).Select(definition => definition.Key)));
    }

    [Fact]
    public void Backend_keys_are_not_the_servers_own()
    {
        var backendKeys = StorageBackends.All.SelectMany(backend => backend.Settings).Select(setting => setting.Key).ToList();

        Assert.Equal(backendKeys.Count, backendKeys.Distinct().Count());
        Assert.Equal(SettingDefinitions.All.Count, SettingDefinitions.All.Select(definition => definition.Key).Distinct().Count());
    }

    [Fact]
    public void Base_directories_documentation_describes_every_backend()
    {
        var meaning = SettingDefinitions.Find("exchange.base-directories")!.Meaning;

        Assert.All(StorageBackends.All, backend => Assert.Contains(backend.BaseDirectoryDescription, meaning));
    }

    [Fact]
    public void Plain_paths_are_served_by_one_backend()
    {
        Assert.Single(StorageBackends.All, backend => backend.Schemes.Contains(IStorageBackend.PlainPath));
    }
}
