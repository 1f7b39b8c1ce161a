using System.Security.Cryptography;
using ExchangeSpool.Core;
using ExchangeSpool.Core.Cleanup;
using ExchangeSpool.Core.Planning;
using ExchangeSpool.Core.Sinks;
using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Server.Tests.Cli;
using ExchangeSpool.Server.Tests.Process;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ExchangeSpool.ContractTests.Storage;

/// <summary>
/// What every storage backend must do, written once against <see cref="IExchangeStorage"/> and run
/// against each backend's real server. The storage is made the way the server makes it: through
/// the backend's <see cref="IStorageBackend"/>, from settings text, over two fresh base directories.
/// A new backend adds one class deriving from this one (see docs/storage-backends.md).
/// </summary>
public abstract class StorageContractTests : IAsyncLifetime
{
    protected const int MiB = 1024 * 1024;

    private IExchangeStorage? _storage;
    private IReadOnlyList<string> _baseDirectories = [];

    /// <summary>The backend under test.</summary>
    protected abstract IStorageBackend Backend { get; }

    /// <summary>Two new, empty base directories as <c>exchange.base-directories</c> would name them (the server being ready for them).</summary>
    protected abstract Task<IReadOnlyList<string>> CreateBaseDirectoriesAsync();

    /// <summary>Removes what <see cref="CreateBaseDirectoriesAsync"/> made, once the storage is disposed.</summary>
    protected abstract Task DeleteBaseDirectoriesAsync();

    /// <summary>The backend's settings, <c>key=value</c>, on top of their defaults (an endpoint and credentials); read after <see cref="CreateBaseDirectoriesAsync"/>.</summary>
    protected virtual IEnumerable<string> Settings => [];

    /// <summary>Large enough for every buffer a storage may charge to it in these tests.</summary>
    protected MemoryBudget Budget { get; } = new(256 * MiB);

    protected IExchangeStorage Storage => _storage ?? throw new InvalidOperationException("the storage has not been created");

    public async Task InitializeAsync()
    {
        var baseDirectories = _baseDirectories = await CreateBaseDirectoriesAsync();
        var options = new BoundOptions();
        foreach (var definition in Backend.Settings)
            definition.Apply(options, definition.DefaultText);
        foreach (var setting in Settings)
        {
            var separator = setting.IndexOf('=');
            Backend.Settings.Single(definition => definition.Key == setting[..separator]).Apply(options, setting[(separator + 1)..]);
        }
        Assert.Null(Backend.FindInvalidSetting(options));
        _storage = Backend.Create(Backend.ParseBaseDirectories("exchange.base-directories", baseDirectories), options, new StorageContext(Budget, TimeProvider.System, NullLoggerFactory.Instance));
    }

    public async Task DisposeAsync()
    {
        if (_storage is not null)
            await _storage.DisposeAsync();
        await DeleteBaseDirectoriesAsync();
    }

    [Fact]
    public void Storage_IsOfItsBackendsKind_OverTheConfiguredBaseDirectories()
    {
        Assert.Equal(Backend.Kind, Storage.Kind);
        Assert.Equal(2, Storage.BaseDirectories.Count);
    }

    [Fact]
    public async Task File_WrittenInBlocksAndCompleted_ReadsBackWhole()
    {
        var data = RandomNumberGenerator.GetBytes(3 * MiB + 17);
        var path = new StoragePath(0, "e/0/0/0_0.data");

        await WriteAsync(path, data, blockSize: MiB);

        await using var reader = await Storage.OpenFileAsync(path, default);
        Assert.Equal(data.Length, reader.Length);
        var read = new byte[data.Length];
        Assert.Equal(data.Length, await reader.ReadAsync(0, read, default));
        Assert.Equal(data, read);
    }

    [Fact]
    public async Task File_LargerThanAnyWriteUnit_ReadsBackWhole()
    {
        // Above an S3 part (5MB) or an Azure block: the backend's multi-unit path.
        var data = RandomNumberGenerator.GetBytes(11 * MiB + 5);
        var path = new StoragePath(1, "e/0/0/0_1.data");

        await WriteAsync(path, data, blockSize: MiB);

        Assert.Equal(data, await ReadAllAsync(path));
    }

    [Fact]
    public async Task RangedRead_InsideTheFile_ReturnsExactlyThatRange()
    {
        var data = RandomNumberGenerator.GetBytes(2 * MiB);
        var path = new StoragePath(0, "ranged/0_0.data");
        await WriteAsync(path, data, blockSize: 256 * 1024);

        await using var reader = await Storage.OpenFileAsync(path, default);
        var range = new byte[100_000];
        Assert.Equal(range.Length, await reader.ReadAsync(MiB - 7, range, default));
        Assert.Equal(data.AsSpan(MiB - 7, range.Length).ToArray(), range);
    }

    [Fact]
    public async Task RangedRead_PastTheEnd_ReturnsOnlyWhatIsLeft()
    {
        var data = RandomNumberGenerator.GetBytes(1000);
        var path = new StoragePath(0, "ranged/0_1.data");
        await WriteAsync(path, data, blockSize: 1000);

        await using var reader = await Storage.OpenFileAsync(path, default);
        var buffer = new byte[100];
        Assert.Equal(10, await reader.ReadAsync(990, buffer, default));
        Assert.Equal(data[990..], buffer[..10]);
        Assert.Equal(0, await reader.ReadAsync(1000, buffer, default));
    }

    [Fact]
    public async Task WriterDisposedWithoutCompleting_LeavesNothingVisible()
    {
        var path = new StoragePath(0, "aborted/0/0_0.data");
        var writer = await Storage.CreateFileAsync(path, default);
        var block = RandomNumberGenerator.GetBytes(MiB);
        for (var i = 0; i < 6; i++)
            await writer.WriteAsync(block, default);

        await writer.DisposeAsync();

        Assert.Empty(await ListAsync(new StoragePath(0, "aborted/0")));
        var error = await Assert.ThrowsAsync<SpoolException>(async () => await Storage.OpenFileAsync(path, default));
        Assert.Equal(SpoolErrorCode.DataLoss, error.Code);
    }

    /// <summary>What a commit racing a close on another server meets: the close deleted the directory of a file still being written.</summary>
    [Fact]
    public async Task WriterDisposedWithoutCompleting_AfterItsDirectoryWasDeleted_DisposesQuietly()
    {
        var writer = await Storage.CreateFileAsync(new StoragePath(0, "closed/0/0/0_0.data"), default);
        await writer.WriteAsync(RandomNumberGenerator.GetBytes(1000), default);
        await Storage.DeleteDirectoryAsync(new StoragePath(0, "closed"), default);

        await writer.DisposeAsync();

        Assert.Empty(await ListAsync(new StoragePath(0, "closed")));
    }

    [Fact]
    public async Task OpeningAMissingFile_IsDataLossNamingTheFile()
    {
        var error = await Assert.ThrowsAsync<SpoolException>(async () => await Storage.OpenFileAsync(new StoragePath(1, "gone/0_0.data"), default));

        Assert.Equal(SpoolErrorCode.DataLoss, error.Code);
        Assert.Contains("gone/0_0.data", error.Message);
    }

    [Fact]
    public async Task AtomicWrite_OfANewName_IsReadBackWhole()
    {
        var path = new StoragePath(0, "m/0/commit");

        Assert.True(await Storage.WriteAtomicAsync(path, "manifest"u8.ToArray(), default));

        Assert.Equal("manifest"u8.ToArray(), await Storage.ReadSmallFileAsync(path, 1024, default));
    }

    [Fact]
    public async Task AtomicWrite_OfAnExistingName_IsRefused_AndTheFirstContentStays()
    {
        var path = new StoragePath(0, "m/1/commit");
        Assert.True(await Storage.WriteAtomicAsync(path, "first"u8.ToArray(), default));

        Assert.False(await Storage.WriteAtomicAsync(path, "second, longer"u8.ToArray(), default));

        Assert.Equal("first"u8.ToArray(), await Storage.ReadSmallFileAsync(path, 1024, default));
    }

    /// <summary>Many rounds: a check-then-rename (what File.Move without overwrite does) let several writers win about one round in ten.</summary>
    [Fact]
    public async Task AtomicWrites_OfOneNameAtOnce_ExactlyOneWins_AndItsContentIsWhatIsRead()
    {
        for (var round = 0; round < 20; round++)
        {
            var path = new StoragePath(1, $"m/{round}/commit");
            var contents = Enumerable.Range(0, 16).Select(i => RandomNumberGenerator.GetBytes(1000 + i)).ToArray();

            var results = await Task.WhenAll(contents.Select(content => Task.Run(async () => await Storage.WriteAtomicAsync(path, content, default))));

            var winner = Assert.Single(Enumerable.Range(0, results.Length), index => results[index]);
            Assert.Equal(contents[winner], await Storage.ReadSmallFileAsync(path, 4096, default));
        }
    }

    [Fact]
    public async Task ReadSmallFile_Missing_IsNull()
    {
        Assert.Null(await Storage.ReadSmallFileAsync(new StoragePath(0, "m/3/commit"), 1024, default));
    }

    [Fact]
    public async Task ReadSmallFile_LongerThanAllowed_IsDataLoss()
    {
        var path = new StoragePath(0, "m/4/commit");
        await Storage.WriteAtomicAsync(path, new byte[2000], default);

        var error = await Assert.ThrowsAsync<SpoolException>(async () => await Storage.ReadSmallFileAsync(path, 1999, default));

        Assert.Equal(SpoolErrorCode.DataLoss, error.Code);
    }

    [Fact]
    public async Task DeleteDirectory_RemovesEverythingUnderIt()
    {
        await WriteSmallAsync(new StoragePath(0, "d/x/file"), new StoragePath(0, "d/x/1/commit"), new StoragePath(0, "d/x/1/2/0_0.data"));
        await WriteAsync(new StoragePath(0, "d/x/3/0_0.data"), new byte[10], blockSize: 10);

        await Storage.DeleteDirectoryAsync(new StoragePath(0, "d/x"), default);

        Assert.Empty(await ListAsync(new StoragePath(0, "d/x")));
        Assert.Empty(await ListAsync(new StoragePath(0, "d")));
    }

    [Fact]
    public async Task DeleteDirectory_LeavesSiblingsWhoseNamesItPrefixes()
    {
        await WriteSmallAsync(new StoragePath(0, "p/a/b/file"), new StoragePath(0, "p/a/bc/file"), new StoragePath(0, "p/a/b.c"), new StoragePath(0, "p/a/b-2/file"));

        await Storage.DeleteDirectoryAsync(new StoragePath(0, "p/a/b"), default);

        Assert.Equal([("b-2", true), ("b.c", false), ("bc", true)], await ListAsync(new StoragePath(0, "p/a")));
        Assert.NotNull(await Storage.ReadSmallFileAsync(new StoragePath(0, "p/a/bc/file"), 16, default));
    }

    [Fact]
    public async Task DeleteDirectory_LeavesTheSameNameInTheOtherBaseDirectory()
    {
        await WriteSmallAsync(new StoragePath(0, "s/x/file"), new StoragePath(1, "s/x/file"));

        await Storage.DeleteDirectoryAsync(new StoragePath(0, "s/x"), default);

        Assert.Null(await Storage.ReadSmallFileAsync(new StoragePath(0, "s/x/file"), 16, default));
        Assert.NotNull(await Storage.ReadSmallFileAsync(new StoragePath(1, "s/x/file"), 16, default));
    }

    [Fact]
    public async Task DeleteDirectory_Missing_IsFine()
    {
        await Storage.DeleteDirectoryAsync(new StoragePath(1, "never/written"), default);

        Assert.Empty(await ListAsync(new StoragePath(1, "never")));
    }

    [Fact]
    public async Task DeleteFile_RemovesThatFileOnly()
    {
        await WriteSmallAsync(new StoragePath(0, "f/file"), new StoragePath(0, "f/file2"));

        await Storage.DeleteFileAsync(new StoragePath(0, "f/file"), default);

        Assert.Equal([("file2", false)], await ListAsync(new StoragePath(0, "f")));
    }

    [Fact]
    public async Task DeleteFile_Missing_IsFine()
    {
        await Storage.DeleteFileAsync(new StoragePath(0, "f/missing"), default);
        await Storage.DeleteFileAsync(new StoragePath(0, "missing-directory/missing"), default);

        Assert.Null(await Storage.ReadSmallFileAsync(new StoragePath(0, "f/missing"), 16, default));
    }

    [Fact]
    public async Task List_GivesTheFilesAndSubdirectoriesDirectlyUnderADirectory()
    {
        await WriteSmallAsync(new StoragePath(0, "l/file"), new StoragePath(0, "l/3/commit"), new StoragePath(0, "l/3/4/0_0.data"), new StoragePath(0, "l-not/file"));

        Assert.Equal([("3", true), ("file", false)], await ListAsync(new StoragePath(0, "l")));
    }

    [Fact]
    public async Task List_GivesWhenEachFileWasWritten()
    {
        var before = DateTimeOffset.UtcNow.AddMinutes(-5);
        await WriteSmallAsync(new StoragePath(1, "t/file"));

        var entry = Assert.Single(await Storage.ListAsync(new StoragePath(1, "t"), default).ToListAsync());

        Assert.InRange(entry.LastModified, before, DateTimeOffset.UtcNow.AddMinutes(5));
    }

    [Fact]
    public async Task List_OfAMissingDirectory_IsEmpty()
    {
        Assert.Empty(await ListAsync(new StoragePath(1, "nothing/here")));
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("a/../../outside")]
    [InlineData("")]
    public async Task Path_LeavingItsBaseDirectory_IsRefusedAsInvalid(string relativePath)
    {
        var error = await Assert.ThrowsAsync<SpoolException>(async () => await Storage.WriteAtomicAsync(new StoragePath(0, relativePath), new byte[1], default));

        Assert.Equal(SpoolErrorCode.InvalidArgument, error.Code);
    }

    [Fact]
    public async Task BaseIndex_NotConfigured_IsRefusedAsInvalid()
    {
        var error = await Assert.ThrowsAsync<SpoolException>(async () => await Storage.ReadSmallFileAsync(new StoragePath(2, "x/commit"), 16, default));

        Assert.Equal(SpoolErrorCode.InvalidArgument, error.Code);
    }

    [Fact]
    public async Task EveryBufferChargedToTheBudget_IsReturned_OnceWritersAndReadersAreDisposed()
    {
        var data = RandomNumberGenerator.GetBytes(7 * MiB);
        var path = new StoragePath(0, "budget/0_0.data");
        await WriteAsync(path, data, blockSize: MiB);
        await ReadAllAsync(path);
        var aborted = await Storage.CreateFileAsync(new StoragePath(0, "budget/0_1.data"), default);
        await aborted.WriteAsync(data, default);
        await aborted.DisposeAsync();

        Assert.Equal(0, Budget.Used);
    }

    [Fact]
    public async Task OrphanSweep_DeletesAnExchangeNoServerUsedForLongerThanTheTtl()
    {
        var writer = SpoolServer();
        var sweeper = SpoolServer();
        var exchange = await CommittedExchanges.CommitAsync(writer, "idle");

        Clock.Advance(OrphanTtl + TimeSpan.FromMinutes(1));
        var sweep = await new OrphanSweeper(sweeper).SweepAsync(OrphanTtl, dryRun: false, default);

        Assert.Equal([exchange.Key], sweep.Deleted);
        Assert.Null(await writer.TryLoadManifestAsync(new SinkAttemptId(exchange.Key, 0, 0), default));
        Assert.Empty(await ListAsync(writer.Layout.ActivityRecord(exchange.Key)));
        Assert.Empty(await writer.Activity.ListRecordedAsync(default).ToListAsync());
        Assert.True(await writer.Tombstones.IsClosedAsync(exchange.Key, default));
    }

    [Fact]
    public async Task OrphanSweep_KeepsAnExchangeAnotherServerUsedWithinTheTtl()
    {
        var writer = SpoolServer();
        var sweeper = SpoolServer();
        var exchange = await CommittedExchanges.CommitAsync(writer, "used");
        Clock.Advance(OrphanTtl + TimeSpan.FromMinutes(1));

        await new HandlePlanner(writer, new SinkRegistry(writer)).PlanAsync(exchange, [(0, 0)], default);
        var sweep = await new OrphanSweeper(sweeper).SweepAsync(OrphanTtl, dryRun: false, default);

        Assert.Empty(sweep.Deleted);
        Assert.NotNull(await sweeper.TryLoadManifestAsync(new SinkAttemptId(exchange.Key, 0, 0), default));
        Assert.False(await sweeper.Tombstones.IsClosedAsync(exchange.Key, default));
    }

    [Fact]
    public async Task OrphanSweep_KeepsAnExchangeWithASinkOpenOnThisServer_HoweverLongItWasIdle()
    {
        var server = SpoolServer();
        var exchange = CommittedExchanges.Spec("open");
        await using var attempt = await new SinkRegistry(server).OpenAsync(exchange, 0, 0, default);
        await attempt.AddPagesAsync(CommittedExchanges.Pages(), 1, default);

        Clock.Advance(OrphanTtl + TimeSpan.FromMinutes(1));
        var sweep = await new OrphanSweeper(server).SweepAsync(OrphanTtl, dryRun: false, default);

        Assert.Empty(sweep.Deleted);
        await attempt.FinishAsync(default);
        Assert.NotNull(await server.TryLoadManifestAsync(new SinkAttemptId(exchange.Key, 0, 0), default));
    }

    [Fact]
    public async Task OrphanSweep_DryRun_ReportsAnIdleExchangeAndDeletesNothing()
    {
        var server = SpoolServer();
        var exchange = await CommittedExchanges.CommitAsync(server, "dry");

        Clock.Advance(OrphanTtl + TimeSpan.FromMinutes(1));
        var sweep = await new OrphanSweeper(server).SweepAsync(OrphanTtl, dryRun: true, default);

        Assert.Equal([exchange.Key], sweep.Deleted);
        Assert.NotNull(await server.TryLoadManifestAsync(new SinkAttemptId(exchange.Key, 0, 0), default));
        Assert.False(await server.Tombstones.IsClosedAsync(exchange.Key, default));
    }

    [Fact]
    public async Task OrphanSweep_OfAClosedExchangesLeftovers_DeletesThemAndKeepsItsTombstone()
    {
        var server = SpoolServer();
        var exchange = await CommittedExchanges.CommitAsync(server, "closed");
        await server.Tombstones.MarkClosedAsync(exchange.Key, default);
        var tombstone = await Storage.ReadSmallFileAsync(server.Layout.Tombstone(exchange.Key), 256, default);

        Clock.Advance(OrphanTtl + TimeSpan.FromMinutes(1));
        var sweep = await new OrphanSweeper(SpoolServer()).SweepAsync(OrphanTtl, dryRun: false, default);

        Assert.Equal([exchange.Key], sweep.Deleted);
        Assert.Null(await server.TryLoadManifestAsync(new SinkAttemptId(exchange.Key, 0, 0), default));
        Assert.Equal(tombstone, await Storage.ReadSmallFileAsync(server.Layout.Tombstone(exchange.Key), 256, default));
    }

    [Fact]
    public async Task OperatorCli_ListsAnExchangeInThisStorage_AndDeletesIt()
    {
        var server = SpoolServer();
        var exchange = await CommittedExchanges.CommitAsync(server, "cli", sinks: 2);

        var listed = await RunCliAsync("exchanges", "list");
        var deleted = await RunCliAsync("exchanges", "delete", exchange.Key.ToString());
        var listedAfter = await RunCliAsync("exchanges", "list");

        Assert.True(listed.ExitCode == 0, listed.Stderr);
        Assert.Matches(@"q\.cli\s+│\s+q\s+│.*│\s+2\s+│\s+2\s+│\s+open", listed.Stdout);
        Assert.True(deleted.ExitCode == 0, deleted.Stderr);
        Assert.Null(await server.TryLoadManifestAsync(new SinkAttemptId(exchange.Key, 0, 0), default));
        Assert.True(await SpoolServer().Tombstones.IsClosedAsync(exchange.Key, default));
        Assert.DoesNotContain("q.cli", listedAfter.Stdout);
    }

    private static readonly TimeSpan OrphanTtl = TimeSpan.FromHours(1);

    /// <summary>The one clock of every server a test makes: activity is recorded and judged by it, not by the storage's.</summary>
    private FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>Runs the real <c>exchange-spool</c> with these arguments on this storage, configured as a server on it would be.</summary>
    private Task<(int ExitCode, string Stdout, string Stderr)> RunCliAsync(params string[] arguments) =>
        SpoolProcess.RunToExitAsync([.. arguments, $"--exchange.base-directories={string.Join(',', _baseDirectories)}", .. Settings.Select(setting => $"--{setting}")]);

    /// <summary>One server's core over the storage under test, as a second server sharing it would have its own.</summary>
    private SpoolContext SpoolServer() =>
        new(new SpoolOptions { OrphanTtl = OrphanTtl, MemoryLimit = 64 * MiB }, Storage, clock: Clock, budget: Budget);

    /// <summary>Writes <paramref name="data"/> in blocks of <paramref name="blockSize"/> and completes the file.</summary>
    protected async Task WriteAsync(StoragePath path, byte[] data, int blockSize)
    {
        await using var writer = await Storage.CreateFileAsync(path, default);
        for (var offset = 0; offset < data.Length; offset += blockSize)
            await writer.WriteAsync(data.AsMemory(offset, Math.Min(blockSize, data.Length - offset)), default);
        await writer.CompleteAsync(default);
    }

    protected async Task<byte[]> ReadAllAsync(StoragePath path)
    {
        await using var reader = await Storage.OpenFileAsync(path, default);
        var content = new byte[reader.Length];
        Assert.Equal(content.Length, await reader.ReadAsync(0, content, default));
        return content;
    }

    private async Task WriteSmallAsync(params StoragePath[] paths)
    {
        foreach (var path in paths)
            Assert.True(await Storage.WriteAtomicAsync(path, "x"u8.ToArray(), default));
    }

    /// <summary>The entries directly under <paramref name="directory"/> as (name, is a directory), in name order.</summary>
    protected async Task<IReadOnlyList<(string Name, bool IsDirectory)>> ListAsync(StoragePath directory) =>
        (await Storage.ListAsync(directory, default).ToListAsync())
            .Select(entry => (entry.Name, entry.IsDirectory))
            .OrderBy(entry => entry.Name, StringComparer.Ordinal)
            .ToList();
}
