using ExchangeSpool.Core.Configuration;

namespace ExchangeSpool.Core.Storage;

/// <summary>
/// A storage backend as the server loads it: the base directories it serves, its settings and their
/// validation, and how it creates its <see cref="IExchangeStorage"/>. Each backend project has one;
/// the server lists them in one place and never names a concrete backend otherwise.
/// </summary>
public interface IStorageBackend
{
    /// <summary>"local", "s3", ...: how the server's startup line and errors name this backend.</summary>
    string Kind { get; }

    /// <summary>
    /// The URI schemes of its base directories, lower case, as <c>exchange.base-directories</c>
    /// names them (<c>s3</c> for <c>s3://bucket/prefix</c>). <see cref="PlainPath"/> claims entries
    /// without a scheme; one backend at most may.
    /// </summary>
    IReadOnlyList<string> Schemes { get; }

    /// <summary>Its base directories as the documentation of <c>exchange.base-directories</c> describes them, e.g. "S3 locations (`s3://bucket/prefix`)".</summary>
    string BaseDirectoryDescription { get; }

    /// <summary>Its keys (Trino's names where the meaning is the same), in documentation order; each binds into the backend's own options record.</summary>
    IReadOnlyList<SettingDefinition> Settings { get; }

    /// <summary>
    /// Checks and normalises this backend's base directories, all of one backend, as configured.
    /// Throws <see cref="ConfigurationException"/> naming <paramref name="key"/> and the bad entry.
    /// </summary>
    IReadOnlyList<string> ParseBaseDirectories(string key, IReadOnlyList<string> entries);

    /// <summary>Returns the first invalid setting among its own as (key, problem), or null; called only when base directories use this backend.</summary>
    (string Key, string Problem)? FindInvalidSetting(BoundOptions options);

    /// <summary>The storage over <paramref name="baseDirectories"/> (as returned by <see cref="ParseBaseDirectories"/>); the server disposes it on shutdown.</summary>
    IExchangeStorage Create(IReadOnlyList<string> baseDirectories, BoundOptions options, StorageContext context);

    /// <summary>The scheme in <see cref="Schemes"/> that stands for plain paths (no <c>scheme:</c> prefix).</summary>
    public const string PlainPath = "";
}
