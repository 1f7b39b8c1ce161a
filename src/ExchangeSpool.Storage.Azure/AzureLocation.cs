namespace ExchangeSpool.Storage.Azure;

/// <summary>
/// A base directory on Azure Blob Storage in Trino's form,
/// <c>abfs[s]://container@account.dfs.core.windows.net/path</c>, the path possibly empty.
/// </summary>
public sealed record AzureLocation(string Scheme, string Container, string AccountHost, string Prefix)
{
    public static readonly IReadOnlyList<string> Schemes = ["abfs", "abfss"];

    /// <summary>The storage account: the first label of the host.</summary>
    public string Account => AccountHost.Split('.')[0];

    public static bool IsAzure(string baseDirectory) =>
        Schemes.Any(scheme => baseDirectory.StartsWith(scheme + "://", StringComparison.OrdinalIgnoreCase));

    /// <exception cref="ArgumentException">Not an <c>abfs[s]://container@account-host[/path]</c> URI.</exception>
    public static AzureLocation Parse(string baseDirectory)
    {
        var scheme = Schemes.FirstOrDefault(s => baseDirectory.StartsWith(s + "://", StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"'{baseDirectory}' is not an abfs:// or abfss:// URI");
        var rest = baseDirectory[(scheme.Length + 3)..];
        var slash = rest.IndexOf('/');
        var authority = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        var at = authority.IndexOf('@');
        if (at < 0)
            throw new ArgumentException($"'{baseDirectory}' names no container: the form is {scheme}://container@account.dfs.core.windows.net/path");
        var container = authority[..at];
        var host = authority[(at + 1)..].ToLowerInvariant();
        if (!IsContainerName(container))
            throw new ArgumentException($"'{baseDirectory}' does not name a valid container (3-63 lowercase letters, digits and single '-', starting and ending with a letter or digit)");
        var account = host.Split('.')[0];
        if (!host.Contains('.') || account.Length is < 3 or > 24 || !account.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
            throw new ArgumentException($"'{baseDirectory}' does not name a storage account host (account.dfs.core.windows.net, the account 3-24 lowercase letters and digits)");
        if (prefix.Length > 0 && prefix.Split('/').Any(segment => segment is "" or "." or ".."))
            throw new ArgumentException($"'{baseDirectory}' has an empty, '.' or '..' segment in its path");
        return new AzureLocation(scheme.ToLowerInvariant(), container, host, prefix);
    }

    /// <summary>
    /// The account's Blob service endpoint, derived from the host as Trino does: the Data Lake
    /// (<c>dfs</c>) host's Blob twin over https, whether the scheme is abfs or abfss.
    /// </summary>
    public Uri BlobEndpoint
    {
        get
        {
            var labels = AccountHost.Split('.');
            if (labels.Length > 1 && labels[1] == "dfs")
                labels[1] = "blob";
            return new Uri($"https://{string.Join('.', labels)}");
        }
    }

    /// <summary>The blob name of a path relative to this base directory.</summary>
    public string BlobOf(string relativePath) => Prefix.Length == 0 ? relativePath : $"{Prefix}/{relativePath}";

    public override string ToString() => Prefix.Length == 0 ? $"{Scheme}://{Container}@{AccountHost}" : $"{Scheme}://{Container}@{AccountHost}/{Prefix}";

    private static bool IsContainerName(string name) =>
        name.Length is >= 3 and <= 63
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && name[0] != '-' && name[^1] != '-' && !name.Contains("--", StringComparison.Ordinal);
}
