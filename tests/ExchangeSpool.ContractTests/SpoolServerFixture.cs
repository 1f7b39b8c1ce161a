using ExchangeSpool.Client;
using ExchangeSpool.Server;
using ExchangeSpool.Server.Configuration;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.ContractTests;

/// <summary>
/// A real exchange-spool server on a loopback port, configured as Trino configures its contract
/// tests (two base directories, 16MB files, 1MB handles), and a client connected to it.
/// </summary>
public abstract class SpoolServerFixture : IAsyncLifetime
{
    private SpoolServer? _server;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "spool-contract-" + Guid.NewGuid().ToString("N"));

    public SpoolServer Server => _server ?? throw new InvalidOperationException("the server has not started");

    public SpoolClient Client { get; private set; } = null!;

    public virtual string[] BaseDirectories => [Path.Combine(Root, "a"), Path.Combine(Root, "b")];

    /// <summary>The exchange directories a query left in any base directory: directories here, object prefixes on S3.</summary>
    public virtual Task<IReadOnlyList<string>> ExchangeDirectoriesOfQueryAsync(string queryId) =>
        Task.FromResult<IReadOnlyList<string>>(BaseDirectories.SelectMany(d => Directory.EnumerateDirectories(d, $"*.{queryId}.*")).ToList());

    /// <summary>Every file a query left in any base directory, by path (local) or key (S3).</summary>
    public virtual Task<IReadOnlyList<string>> FilesOfQueryAsync(string queryId) =>
        Task.FromResult<IReadOnlyList<string>>(BaseDirectories
            .SelectMany(d => Directory.EnumerateDirectories(d, $"*.{queryId}.*"))
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .ToList());

    /// <summary>Waits until the server runs no background clean-up: what a failed or aborted sink wrote is dealt with then.</summary>
    public Task CleanUpsEndedAsync() => EngineDriver.WaitUntilAsync(() => Task.FromResult(Server.Context.Cleanups.PendingCount == 0));

    /// <summary>Makes the storage ready before the server starts (an S3 fixture creates its buckets).</summary>
    protected virtual Task PrepareStorageAsync() => Task.CompletedTask;

    /// <summary>Removes what <see cref="PrepareStorageAsync"/> made, after the server stopped.</summary>
    protected virtual Task CleanUpStorageAsync() => Task.CompletedTask;

    /// <summary>Settings on top of the contract ones, as command-line options.</summary>
    protected virtual IEnumerable<string> ExtraArguments => [];

    /// <summary>Where the server's logs go besides the console; null for the default.</summary>
    protected virtual Action<ILoggingBuilder>? Logging => null;

    public async Task InitializeAsync()
    {
        await PrepareStorageAsync();
        string[] arguments =
        [
            "--exchange.spool.address=127.0.0.1:0",
            $"--exchange.base-directories={string.Join(',', BaseDirectories)}",
            "--exchange.sink-max-file-size=16MB",
            "--exchange.source-handle-target-data-size=1MB",
            "--exchange.spool.memory-limit=256MB",
            .. ExtraArguments,
        ];
        var request = (RunServer)ServerConfiguration.Load(arguments, _ => null);
        _server = SpoolServer.Create(request.Configuration, Logging);
        await _server.StartAsync();
        Client = new SpoolClient(_server.Address);
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_server is not null)
            await _server.DisposeAsync();
        await CleanUpStorageAsync();
        if (Directory.Exists(Root))
            Directory.Delete(Root, recursive: true);
    }
}

public sealed class LocalSpoolServer : SpoolServerFixture;

/// <summary>The same, allowing the 1000 partitions of Trino's runtime adaptive partitioning.</summary>
public sealed class WidePartitionLocalSpoolServer : SpoolServerFixture
{
    protected override IEnumerable<string> ExtraArguments => ["--exchange.max-output-partition-count=1000"];
}

/// <summary>A server whose memory budget is the smallest allowed, so sinks must wait for each other.</summary>
public sealed class TightMemoryLocalSpoolServer : SpoolServerFixture
{
    public const long MemoryLimit = 36 * 1024 * 1024;

    protected override IEnumerable<string> ExtraArguments => [$"--exchange.spool.memory-limit={MemoryLimit}B"];
}

/// <summary>Encryption on with the key a standalone server generates into its data directory, and LZ4.</summary>
public sealed class EncryptedCompressedLocalSpoolServer : SpoolServerFixture
{
    /// <summary>The settings, for any backend's fixture: <paramref name="root"/> holds the generated key.</summary>
    public static IEnumerable<string> Arguments(string root) =>
        ["--exchange.encryption-enabled=true", $"--exchange.spool.data-directory={Path.Combine(root, "state")}", "--exchange.spool.compression=lz4"];

    protected override IEnumerable<string> ExtraArguments => Arguments(Root);
}

/// <summary>Encryption on with a configured key, no compression.</summary>
public sealed class EncryptedLocalSpoolServer : SpoolServerFixture
{
    protected override IEnumerable<string> ExtraArguments =>
        ["--exchange.encryption-enabled=true", $"--exchange.spool.encryption.key={Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))}"];
}

/// <summary>LZ4 without encryption.</summary>
public sealed class CompressedLocalSpoolServer : SpoolServerFixture
{
    protected override IEnumerable<string> ExtraArguments => ["--exchange.spool.compression=lz4"];
}

/// <summary>The local backend flushing data files and manifests to disk before each commit.</summary>
public sealed class FsyncLocalSpoolServer : SpoolServerFixture
{
    protected override IEnumerable<string> ExtraArguments => ["--exchange.spool.local-fsync=true"];
}
