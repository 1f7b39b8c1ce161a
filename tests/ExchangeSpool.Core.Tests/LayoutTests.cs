using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Storage.Local;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

/// <summary>ExchangeLayout paths, LocalExchangeStorage's confinement, id validation and exchange lifecycle.</summary>
public sealed class LayoutTests : SpoolTest
{
    public static TheoryData<string> EscapingPaths =>
    [
        "..",
        ".",
        "a/..",
        "../outside",
        "a/../../outside",
        "../base0-sibling/file",
        "/etc/passwd",
        "",
    ];

    [Theory]
    [MemberData(nameof(EscapingPaths))]
    public async Task LocalStorage_PathLeavingBaseDirectory_IsRefusedEverywhere(string relativePath)
    {
        var storage = new LocalExchangeStorage(BaseDirectories);
        var sentinel = Path.Combine(Root, "outside", "keep");
        Directory.CreateDirectory(sentinel);
        var path = new StoragePath(0, relativePath);

        Errors.Expect(SpoolErrorCode.InvalidArgument, () => storage.Resolve(path));
        await Errors.ExpectAsync(SpoolErrorCode.InvalidArgument, async () => await storage.DeleteDirectoryAsync(path, Ct));
        await Errors.ExpectAsync(SpoolErrorCode.InvalidArgument, async () => await storage.CreateFileAsync(path, Ct));
        await Errors.ExpectAsync(SpoolErrorCode.InvalidArgument, async () => await storage.OpenFileAsync(path, Ct));
        await Errors.ExpectAsync(SpoolErrorCode.InvalidArgument, async () => await storage.WriteAtomicAsync(path, new byte[1], Ct));
        await Errors.ExpectAsync(SpoolErrorCode.InvalidArgument, async () => await storage.ReadSmallFileAsync(path, 10, Ct));

        Assert.True(Directory.Exists(sentinel));
        Assert.True(Directory.Exists(BaseDirectories[0]));
    }

    [Fact]
    public void LocalStorage_UnknownBaseIndex_IsRefused()
    {
        var storage = new LocalExchangeStorage(BaseDirectories);

        Errors.Expect(SpoolErrorCode.InvalidArgument, () => storage.Resolve(new StoragePath(2, "a")));
        Errors.Expect(SpoolErrorCode.InvalidArgument, () => storage.Resolve(new StoragePath(-1, "a")));
    }

    [Fact]
    public void LocalStorage_FileUriBaseDirectory_ResolvesInsideIt()
    {
        var storage = new LocalExchangeStorage([new Uri(BaseDirectories[1]).AbsoluteUri]);

        Assert.Equal(Path.Combine(BaseDirectories[1], "a", "b"), storage.Resolve(new StoragePath(0, "a/b")));
    }

    public static TheoryData<string> BadIds =>
    [
        "",
        "a/b",
        "..",
        "a.b",
        "a b",
        "a\\b",
        "ü",
        new string('a', ExchangeKey.MaxIdLength + 1),
    ];

    [Theory]
    [MemberData(nameof(BadIds))]
    public async Task Ids_OutsideTheAllowedAlphabet_AreRefused(string id)
    {
        var spool = NewSpool();

        Errors.Expect(SpoolErrorCode.InvalidArgument, () => new ExchangeKey(id, "e1").Validated());
        Errors.Expect(SpoolErrorCode.InvalidArgument, () => new ExchangeKey("q1", id).Validated());
        Errors.Expect(SpoolErrorCode.InvalidArgument, () => spool.Lifecycle.Create(new ExchangeKey("q1", id), 1, false));
        await Errors.ExpectAsync(SpoolErrorCode.InvalidArgument, () => spool.CloseAsync(new ExchangeKey(id, "e1"), Ct));
        var forged = spool.Exchange("e1", 1) with { Key = new ExchangeKey("q1", id) };
        await Errors.ExpectAsync(SpoolErrorCode.InvalidArgument, () => spool.Registry.OpenAsync(forged, 0, 0, Ct));
    }

    [Fact]
    public void Ids_FullAlphabetAndMaxLength_AreAccepted()
    {
        var key = new ExchangeKey("azAZ09_-", new string('x', ExchangeKey.MaxIdLength));

        Assert.Equal(key, key.Validated());
    }

    [Fact]
    public void Layout_SinkBaseDirectory_IsStableAndSpreadOverBaseDirectories()
    {
        var key = new ExchangeKey("q1", "e1");
        var layout = new ExchangeLayout(2);

        var indexes = Enumerable.Range(0, 200).Select(sink => layout.BaseIndexOf(key, sink)).ToList();

        Assert.Equal(indexes, Enumerable.Range(0, 200).Select(sink => new ExchangeLayout(2).BaseIndexOf(key, sink)));
        Assert.InRange(indexes.Count(i => i == 0), 50, 150);
        Assert.All(indexes, i => Assert.InRange(i, 0, 1));
        Assert.Equal(layout.AttemptDirectory(key, 7, 1), new ExchangeLayout(2).AttemptDirectory(key, 7, 1));
    }

    [Fact]
    public void Layout_Paths_FollowTheDocumentedShape()
    {
        var key = new ExchangeKey("q1", "e1");
        var layout = new ExchangeLayout(2);
        var directory = ExchangeLayout.ExchangeDirectory(key);

        Assert.Matches("^[0-9a-f]{6}\\.q1\\.e1$", directory);
        Assert.Equal(new StoragePath(layout.BaseIndexOf(key, 4), $"{directory}/4/2/3_1.data"), layout.DataFile(key, 4, 2, 3, 1));
        Assert.Equal(new StoragePath(layout.BaseIndexOf(key, 4), $"{directory}/4/2/commit"), layout.Manifest(key, 4, 2));
        Assert.Equal([new StoragePath(0, directory), new StoragePath(1, directory)], layout.ExchangeRoots(key));
    }

    [Fact]
    public async Task Close_RemovesExchangeFromEveryBaseDirectoryAndNothingElse()
    {
        var spool = NewSpool();
        var closed = spool.Exchange("e1", partitions: 2);
        var kept = spool.Exchange("e2", partitions: 2);
        for (var sink = 0; sink < 8; sink++)
        {
            await spool.WriteAttemptAsync(closed, sink, 0, Pages.Spread(sink, 2, 4, _ => 100), Ct);
            await spool.WriteAttemptAsync(kept, sink, 0, Pages.Spread(sink, 2, 4, _ => 100), Ct);
        }
        var closedRoots = BaseDirectories.Select(b => Path.Combine(b, ExchangeLayout.ExchangeDirectory(closed.Key))).ToList();
        Assert.All(closedRoots, root => Assert.True(Directory.Exists(root), $"{root} was never written"));

        await spool.CloseAsync(closed.Key, Ct);

        Assert.All(closedRoots, root => Assert.False(Directory.Exists(root), $"{root} survived close"));
        Assert.Equal(8, (await spool.Planner.PlanAsync(kept, Enumerable.Range(0, 8).Select(s => (s, 0)).ToList(), Ct))
            .SelectMany(h => h.Files).Select(f => f.SinkId).Distinct().Count());
        await spool.CloseAsync(closed.Key, Ct); // closing twice is fine
    }

    [Fact]
    public void Create_MorePartitionsThanAllowed_FailsWithTrinosMessage()
    {
        var spool = NewSpool();

        Assert.Equal(50, spool.Exchange("e1", partitions: 50).PartitionCount);
        var message = Errors.Expect(SpoolErrorCode.InvalidArgument, () => spool.Exchange("e1", partitions: 51));
        Assert.Contains("Max number of output partitions exceeded for exchange", message);
        Errors.Expect(SpoolErrorCode.InvalidArgument, () => spool.Exchange("e1", partitions: 0));
        Assert.Equal(1000, NewSpool(new SpoolOptions { MaxOutputPartitionCount = 1000 }).Exchange("e1", 1000).PartitionCount);
    }

    [Fact]
    public void Create_TouchesNoStorageAndGivesEachExchangeItsOwnSalt()
    {
        var spool = NewSpool();

        var a = spool.Exchange("e1", 1);
        var b = spool.Exchange("e1", 1);

        Assert.Equal(ExchangeSpec.SaltSize, a.Salt.Length);
        Assert.False(a.Salt.Span.SequenceEqual(b.Salt.Span));
        Assert.All(BaseDirectories, b => Assert.Empty(Directory.EnumerateFileSystemEntries(b)));
    }
}
