using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.S3;

/// <summary>S3 and S3-compatible stores (MinIO, Ceph RGW, GCS through its XML API): <c>s3://bucket/prefix</c>, one client per bucket.</summary>
public sealed class S3StorageBackend : IStorageBackend
{
    public string Kind => "s3";

    public IReadOnlyList<string> Schemes => S3Location.Schemes;

    public string BaseDirectoryDescription => "S3 locations (`s3://bucket/prefix`, or Hadoop's `s3a://` and `s3n://`; one client per bucket)";

    public IReadOnlyList<SettingDefinition> Settings => S3SettingDefinitions.All;

    public IReadOnlyList<string> ParseBaseDirectories(string key, IReadOnlyList<string> entries) =>
        entries.Select(entry =>
        {
            try
            {
                return S3Location.Parse(entry).ToString();
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException(key, e.Message);
            }
        }).ToArray();

    public (string Key, string Problem)? FindInvalidSetting(BoundOptions options) => options.Get<S3Options>().FindInvalidSetting();

    public IExchangeStorage Create(IReadOnlyList<string> baseDirectories, BoundOptions options, StorageContext context) =>
        new S3Storage(baseDirectories, options.Get<S3Options>(), context.Budget);
}
