using ExchangeSpool.Storage.Hdfs;

namespace ExchangeSpool.Server.Tests.Configuration;

/// <summary>The HDFS backend's settings: Trino's keys bind, and each invalid one stops the server naming the key.</summary>
public sealed class HdfsSettingsTests : IDisposable
{
    private const string Directories = "exchange.base-directories=hdfs://simple-hdfs/trino/exchange,hdfs://simple-hdfs/trino/exchange-2";

    private readonly ConfigurationFixture _fixture = new();
    private readonly string _xmlDirectory = Directory.CreateTempSubdirectory("exchange-spool-hadoop-").FullName;

    public void Dispose()
    {
        _fixture.Dispose();
        Directory.Delete(_xmlDirectory, recursive: true);
    }

    [Fact]
    public void Trinos_hdfs_keys_and_ours_bind()
    {
        var coreSite = WriteXml("core-site.xml", ("fs.defaultFS", "hdfs://simple-hdfs"));
        var hdfsSite = WriteXml("hdfs-site.xml", ("dfs.nameservices", "simple-hdfs"));

        var configuration = _fixture.LoadFile(Directories,
            $"hdfs.config.resources={coreSite}, {hdfsSite}", "exchange.hdfs.block-size=16MB", "exchange.hdfs.skip-directory-scheme-validation=true",
            "exchange.hdfs.user=trino", "exchange.spool.hdfs.max-error-retries=3", "exchange.spool.hdfs.request-timeout=30s", "exchange.spool.hdfs.max-retry-time=1m");

        Assert.Equal("hdfs", configuration.Storage.Kind);
        Assert.Equal(["hdfs://simple-hdfs/trino/exchange", "hdfs://simple-hdfs/trino/exchange-2"], configuration.Spool.BaseDirectories);
        var hdfs = configuration.Options.Get<HdfsOptions>();
        Assert.Equal([coreSite, hdfsSite], hdfs.ConfigResources);
        Assert.Equal(16 * HdfsOptions.MiB, hdfs.BlockSize);
        Assert.Equal("trino", hdfs.User);
        Assert.Equal(3, hdfs.MaxErrorRetries);
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1)), (hdfs.RequestTimeout, hdfs.MaxRetryTime));
    }

    [Fact]
    public void Kerberos_in_the_xml_stops_the_server_in_one_line()
    {
        var coreSite = WriteXml("core-site.xml", ("hadoop.security.authentication", "kerberos"));

        Assert.Equal($"hdfs.config.resources: hadoop.security.authentication=kerberos in {coreSite}: Kerberos (SPNEGO) is not supported yet, only simple authentication (exchange.hdfs.user)",
            _fixture.LoadFileError(Directories, $"hdfs.config.resources={coreSite}"));
    }

    [Theory]
    [InlineData("exchange.hdfs.block-size: must be between 4MB and 256MB", "exchange.hdfs.block-size=3MB")]
    [InlineData("exchange.hdfs.block-size: must be between 4MB and 256MB", "exchange.hdfs.block-size=257MB")]
    [InlineData("hdfs.config.resources: file '/nonexistent/core-site.xml' does not exist", "hdfs.config.resources=/nonexistent/core-site.xml")]
    [InlineData("exchange.hdfs.user: 'a b' is not a user name", "exchange.hdfs.user=a b")]
    [InlineData("exchange.spool.hdfs.ca-certificate-file: file '/nonexistent/ca.pem' does not exist", "exchange.spool.hdfs.ca-certificate-file=/nonexistent/ca.pem")]
    [InlineData("exchange.spool.hdfs.max-retry-time: must be at least exchange.spool.hdfs.request-timeout",
        "exchange.spool.hdfs.request-timeout=1m", "exchange.spool.hdfs.max-retry-time=10s")]
    [InlineData("exchange.hdfs.skip-directory-scheme-validation: 'maybe' is not a boolean (examples: true, false)", "exchange.hdfs.skip-directory-scheme-validation=maybe")]
    public void Invalid_hdfs_setting_names_the_key(string expected, params string[] lines)
    {
        Assert.Equal(expected, _fixture.LoadFileError([Directories, .. lines]));
    }

    [Fact]
    public void Hdfs_key_with_local_directories_is_refused_naming_the_key()
    {
        Assert.Equal("exchange.hdfs.block-size: is a setting of the hdfs backend, which no base directory uses (exchange.base-directories names local ones)",
            _fixture.LoadFileError("exchange.base-directories=/tmp/spool", "exchange.hdfs.block-size=8MB"));
    }

    [Theory]
    [InlineData("hdfs://simple-hdfs/a,s3://bucket/b", "exchange.base-directories: mixes base directories of the hdfs and s3 backends; all base directories must be of one backend")]
    [InlineData("hdfs://simple-hdfs/a/../b", "exchange.base-directories: 'hdfs://simple-hdfs/a/../b' has an empty, '.' or '..' segment in its path")]
    [InlineData("webhdfs:///a", "exchange.base-directories: 'webhdfs:///a' names no host")]
    public void Bad_hdfs_base_directory_is_an_error(string directories, string expected)
    {
        Assert.Equal(expected, _fixture.LoadFileError($"exchange.base-directories={directories}"));
    }

    private string WriteXml(string name, params (string Name, string Value)[] properties)
    {
        var path = Path.Combine(_xmlDirectory, name);
        File.WriteAllText(path, "<?xml version=\"1.0\"?>\n<configuration>\n"
            + string.Concat(properties.Select(p => $"  <property><name>{p.Name}</name><value>{p.Value}</value></property>\n"))
            + "</configuration>\n");
        return path;
    }
}
