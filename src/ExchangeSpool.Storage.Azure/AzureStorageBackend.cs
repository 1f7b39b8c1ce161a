using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Storage;

namespace ExchangeSpool.Storage.Azure;

/// <summary>Azure Blob Storage: <c>abfs[s]://container@account.dfs.core.windows.net/path</c>, one client per container.</summary>
public sealed class AzureStorageBackend : IStorageBackend
{
    public string Kind => "azure";

    public IReadOnlyList<string> Schemes => AzureLocation.Schemes;

    public string BaseDirectoryDescription => "Azure Blob Storage locations (`abfs://container@account.dfs.core.windows.net/path` or `abfss://`)";

    public IReadOnlyList<SettingDefinition> Settings => AzureSettingDefinitions.All;

    public IReadOnlyList<string> ParseBaseDirectories(string key, IReadOnlyList<string> entries) =>
        entries.Select(entry =>
        {
            try
            {
                return AzureLocation.Parse(entry).ToString();
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException(key, e.Message);
            }
        }).ToArray();

    public (string Key, string Problem)? FindInvalidSetting(BoundOptions options) => options.Get<AzureOptions>().FindInvalidSetting();

    /// <exception cref="ConfigurationException">A base directory is on another account than the connection string or endpoint.</exception>
    public IExchangeStorage Create(IReadOnlyList<string> baseDirectories, BoundOptions options, StorageContext context)
    {
        var azure = options.Get<AzureOptions>();
        if (AzureStorage.FindAccountMismatch(baseDirectories.Select(AzureLocation.Parse), azure) is { } mismatch)
            throw new ConfigurationException(azure.ConnectionString is null ? AzureOptions.EndpointKey : AzureOptions.ConnectionStringKey, mismatch);
        return new AzureStorage(baseDirectories, azure, context.Budget);
    }
}
