using ExchangeSpool.Client;
using ExchangeSpool.Server;
using ExchangeSpool.Server.Configuration;

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

    public string[] BaseDirectories => [Path.Combine(Root, "a"), Path.Combine(Root, "b")];

    /// <summary>Settings on top of the contract ones, as command-line options.</summary>
    protected virtual IEnumerable<string> ExtraArguments => [];

    public async Task InitializeAsync()
    {
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
        _server = SpoolServer.Create(request.Configuration);
        await _server.StartAsync();
        Client = new SpoolClient(_server.Address);
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_server is not null)
            await _server.DisposeAsync();
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
