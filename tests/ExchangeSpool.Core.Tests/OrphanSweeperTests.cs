using ExchangeSpool.Core.Cleanup;
using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Sinks;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Core.Tests.Support;
using ExchangeSpool.Storage.Local;
using Microsoft.Extensions.Time.Testing;

namespace ExchangeSpool.Core.Tests;

/// <summary>
/// The orphan sweeper's races with users of an exchange on other servers, and how often activity is
/// recorded (the storage contract suites run the plain keep/delete scenarios on every backend).
/// </summary>
public sealed class OrphanSweeperTests : SpoolTest
{
    private static readonly TimeSpan Ttl = TimeSpan.FromHours(1);

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task Sweep_WhenAnotherServerRecordsActivityBeforeTheTombstoneLands_ClosesTheExchangeAndKeepsItsFiles()
    {
        var writer = Server();
        var user = Server();
        var exchange = await CommitAsync(writer, "raced");
        _clock.Advance(Ttl + TimeSpan.FromMinutes(1));
        var storage = new StorageWithHook(new LocalExchangeStorage(BaseDirectories));
        var sweeper = Server(storage);
        // The user comes back after the sweeper found the exchange idle, just before it closes it.
        storage.BeforeAtomicWrite = async path =>
        {
            if (path == sweeper.Layout.Tombstone(exchange.Key))
                (await user.Activity.EnterAndRecordAsync(exchange, "test", Ct)).Dispose();
        };

        var sweep = await new OrphanSweeper(sweeper).SweepAsync(Ttl, dryRun: false, Ct);

        Assert.Equal([exchange.Key], sweep.Revived);
        Assert.Empty(sweep.Deleted);
        Assert.NotNull(await writer.TryLoadManifestAsync(new SinkAttemptId(exchange.Key, 0, 0), Ct));
        Assert.True(await user.Tombstones.IsClosedAsync(exchange.Key, Ct));
    }

    [Fact]
    public async Task AttemptOpenedAfterASweepClosedTheExchange_IsRefused_AndLeavesNoActivityRecord()
    {
        var writer = Server();
        var exchange = await CommitAsync(writer, "late");
        var recordedAtCommit = await writer.Activity.LastActivityAsync(exchange.Key, Ct);
        _clock.Advance(Ttl + TimeSpan.FromMinutes(1));
        await Server().Tombstones.MarkClosedAsync(exchange.Key, Ct);

        var late = Server();
        var error = await Assert.ThrowsAsync<SpoolException>(() => new SinkRegistry(late).OpenAsync(exchange, 1, 0, Ct));

        Assert.Equal(SpoolErrorReason.ExchangeClosed, error.Reason);
        Assert.Equal(recordedAtCommit, await late.Activity.LastActivityAsync(exchange.Key, Ct));
        Assert.False(late.Activity.IsInUse(exchange.Key));
    }

    [Fact]
    public async Task Refresh_RecordsAgainAnExchangeInUseHere_SoAnotherServersSweepKeepsIt()
    {
        var writer = Server();
        var exchange = Spec("long");
        await using var attempt = await new SinkRegistry(writer).OpenAsync(exchange, 0, 0, Ct);
        for (var elapsed = TimeSpan.Zero; elapsed <= Ttl; elapsed += writer.Activity.RefreshInterval)
        {
            _clock.Advance(writer.Activity.RefreshInterval);
            Assert.Empty(await writer.Activity.RefreshAsync(Ct));
        }

        var sweep = await new OrphanSweeper(Server()).SweepAsync(Ttl, dryRun: false, Ct);

        Assert.Empty(sweep.Deleted);
        await SpoolHarness.AddPagesAsync(attempt, [new TestPage(0, new byte[100])], Ct);
        await attempt.FinishAsync(Ct);
    }

    [Fact]
    public async Task Activity_IsRecordedOncePerRefreshInterval_AndEachServerKeepsOnlyItsNewestRecord()
    {
        var server = Server();
        var exchange = await CommitAsync(server, "busy");
        var registry = new SinkRegistry(server);
        await (await registry.OpenAsync(exchange, 1, 0, Ct)).DisposeAsync();
        await (await registry.OpenAsync(exchange, 2, 0, Ct)).DisposeAsync();
        var record = server.Layout.ActivityRecord(exchange.Key);
        Assert.Single(await server.Storage.ListAsync(record, Ct).ToListAsync());

        _clock.Advance(server.Activity.RefreshInterval);
        await (await registry.OpenAsync(exchange, 3, 0, Ct)).DisposeAsync();

        Assert.Single(await server.Storage.ListAsync(record, Ct).ToListAsync());
        Assert.Equal(_clock.GetUtcNow(), await server.Activity.LastActivityAsync(exchange.Key, Ct));
    }

    private SpoolContext Server(IExchangeStorage? storage = null) =>
        Track(new SpoolHarness(new SpoolContext(new SpoolOptions { OrphanTtl = Ttl }, storage ?? new LocalExchangeStorage(BaseDirectories), clock: _clock))).Context;

    private static ExchangeSpec Spec(string exchangeId) =>
        new(new ExchangeKey(SpoolHarness.QueryId, exchangeId), 1, false, new byte[ExchangeSpec.SaltSize]);

    private async Task<ExchangeSpec> CommitAsync(SpoolContext server, string exchangeId)
    {
        var exchange = Spec(exchangeId);
        await new SpoolHarness(server).WriteAttemptAsync(exchange, 0, 0, [new TestPage(0, new byte[100])], Ct);
        return exchange;
    }

    /// <summary>A storage that runs the test's code before each atomic write: the moment between a sweeper's decision and its tombstone.</summary>
    private sealed class StorageWithHook(IExchangeStorage inner) : IExchangeStorage
    {
        public Func<StoragePath, Task>? BeforeAtomicWrite { get; set; }

        public string Kind => inner.Kind;

        public IReadOnlyList<string> BaseDirectories => inner.BaseDirectories;

        public IReadOnlyList<System.Diagnostics.Metrics.Meter> Meters => inner.Meters;

        public async ValueTask<bool> WriteAtomicAsync(StoragePath path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            if (BeforeAtomicWrite is { } hook)
                await hook(path);
            return await inner.WriteAtomicAsync(path, content, cancellationToken);
        }

        public ValueTask<IStorageFileWriter> CreateFileAsync(StoragePath path, CancellationToken cancellationToken) => inner.CreateFileAsync(path, cancellationToken);

        public ValueTask<IStorageFileReader> OpenFileAsync(StoragePath path, CancellationToken cancellationToken) => inner.OpenFileAsync(path, cancellationToken);

        public ValueTask<byte[]?> ReadSmallFileAsync(StoragePath path, int maxLength, CancellationToken cancellationToken) => inner.ReadSmallFileAsync(path, maxLength, cancellationToken);

        public ValueTask DeleteDirectoryAsync(StoragePath path, CancellationToken cancellationToken) => inner.DeleteDirectoryAsync(path, cancellationToken);

        public ValueTask DeleteFileAsync(StoragePath path, CancellationToken cancellationToken) => inner.DeleteFileAsync(path, cancellationToken);

        public IAsyncEnumerable<StorageEntry> ListAsync(StoragePath directory, CancellationToken cancellationToken) => inner.ListAsync(directory, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
