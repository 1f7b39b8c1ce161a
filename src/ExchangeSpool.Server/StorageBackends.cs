using ExchangeSpool.Core.Storage;
using ExchangeSpool.Storage.Azure;
using ExchangeSpool.Storage.Hdfs;
using ExchangeSpool.Storage.Local;
using ExchangeSpool.Storage.S3;

namespace ExchangeSpool.Server;

/// <summary>
/// The storage backends this build serves: the one place that names them. Everything else (base
/// directory schemes, settings, validation, the storage and its meters) goes through <see cref="IStorageBackend"/>.
/// </summary>
public static class StorageBackends
{
    public static IReadOnlyList<IStorageBackend> All { get; } =
    [
        new LocalStorageBackend(),
        new S3StorageBackend(),
        new AzureStorageBackend(),
        new HdfsStorageBackend(),
    ];

    /// <summary>
    /// Trino's key prefixes for backends it knows, so that a key of one this build lacks is refused
    /// with that reason rather than as a typo.
    /// </summary>
    private static readonly (string KeyPrefix, string Kind)[] TrinoBackendKeyPrefixes =
    [
        ("exchange.s3.", "s3"),
        ("exchange.hdfs.", "hdfs"),
        ("hdfs.config.resources", "hdfs"),
        ("exchange.azure.", "azure"),
        ("exchange.gcs.", "gcs"),
    ];

    /// <summary>The backend that serves base directories of <paramref name="scheme"/> (lower case; <see cref="IStorageBackend.PlainPath"/> for a plain path), or null.</summary>
    public static IStorageBackend? ForScheme(string scheme) =>
        All.FirstOrDefault(backend => backend.Schemes.Contains(scheme));

    /// <summary>The backend of base directories as <see cref="IStorageBackend.ParseBaseDirectories"/> returned them.</summary>
    public static IStorageBackend For(IReadOnlyList<string> baseDirectories) =>
        ForScheme(SchemeOf(baseDirectories[0])) ?? throw new ArgumentException($"no backend serves base directory '{baseDirectories[0]}'");

    /// <summary>
    /// The scheme of a base directory, lower case, or <see cref="IStorageBackend.PlainPath"/>. One
    /// letter is a Windows drive (<c>C:\spool</c>), not a scheme.
    /// </summary>
    public static string SchemeOf(string baseDirectory)
    {
        var colon = baseDirectory.IndexOf(':');
        if (colon < 2 || !char.IsAsciiLetter(baseDirectory[0]))
            return IStorageBackend.PlainPath;
        var scheme = baseDirectory[..colon];
        return scheme.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.') ? scheme.ToLowerInvariant() : IStorageBackend.PlainPath;
    }

    /// <summary>The backend that owns <paramref name="key"/>, or null for the server's own keys.</summary>
    public static IStorageBackend? OwnerOf(string key) =>
        All.FirstOrDefault(backend => backend.Settings.Any(setting => setting.Key == key));

    /// <summary>The backend a key belongs to in Trino when no backend of this build has that kind, e.g. "hdfs" for <c>exchange.hdfs.block-size</c>.</summary>
    public static string? MissingBackendOf(string key) =>
        TrinoBackendKeyPrefixes
            .Where(entry => key.StartsWith(entry.KeyPrefix, StringComparison.Ordinal) && All.All(backend => backend.Kind != entry.Kind))
            .Select(entry => entry.Kind)
            .FirstOrDefault();

    /// <summary>How the supported base directories are written, for errors: <c>plain paths, file://, s3://</c>.</summary>
    public static string SupportedSchemes =>
        string.Join(", ", All.SelectMany(backend => backend.Schemes)
            .Select(scheme => scheme == IStorageBackend.PlainPath ? "plain paths" : scheme + "://"));
}
