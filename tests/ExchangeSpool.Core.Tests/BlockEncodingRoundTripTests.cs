using System.Text;
using ExchangeSpool.Core.Compression;
using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Format;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

/// <summary>Every combination of encryption and compression, written by sink attempts and read back by the source reader.</summary>
public sealed class BlockEncodingRoundTripTests : SpoolTest
{
    private static readonly byte[] Marker = Encoding.ASCII.GetBytes("plain-text-marker-that-must-not-be-stored-in-the-clear");

    public static TheoryData<bool, BlockCompression, bool> Combinations()
    {
        var data = new TheoryData<bool, BlockCompression, bool>();
        foreach (var encrypted in new[] { false, true })
        foreach (var compression in new[] { BlockCompression.None, BlockCompression.Lz4 })
        foreach (var compressible in new[] { false, true })
            data.Add(encrypted, compression, compressible);
        return data;
    }

    /// <summary>Pages of repeated text (LZ4 shrinks them a lot) or of random bytes (it cannot).</summary>
    private static List<TestPage> MakePages(bool compressible, int partitions, int count) =>
        Enumerable.Range(0, count).Select(i =>
        {
            var page = Pages.Make(0, i % partitions, i, 3000 + i * 37 % 5000);
            if (compressible)
            {
                for (var offset = Pages.TagSize; offset + Marker.Length <= page.Length; offset += Marker.Length)
                    Marker.CopyTo(page, offset);
            }
            return new TestPage(i % partitions, page);
        }).ToList();

    [Theory]
    [MemberData(nameof(Combinations))]
    public async Task SinkThenSource_EveryCombination_ReturnsEveryPageByteExact(bool encrypted, BlockCompression compression, bool compressible)
    {
        var options = new SpoolOptions { SinkBufferSize = 16 * 1024, Compression = compression };
        var spool = NewSpool(options, encrypted ? TestKeys.Ring((1, TestKeys.NewKey())) : null);
        var spec = spool.Exchange("e1", partitions: 3);
        var pages = MakePages(compressible, partitions: 3, count: 120);

        var manifest = await spool.WriteAttemptAsync(spec, 0, 0, pages, Ct, batchBytes: 64 * 1024);

        Assert.Contains(manifest.Files, f => f.BlockCount > 1);
        var read = await spool.ReadAttemptAsync(spec, 0, 0, Ct);
        var expected = Pages.ByPartition(pages, 3);
        for (var p = 0; p < 3; p++)
            Pages.AssertSame(expected[p], read[p], $"partition {p}");
        spool.AssertNoBuffersHeld();

        var stored = manifest.Files.Sum(f => f.StoredSize);
        var data = manifest.DataSize;
        if (compression == BlockCompression.Lz4 && compressible)
            Assert.True(stored < data / 2, $"compressible data stored in {stored} bytes for {data}");
        else
            Assert.True(stored > data, $"incompressible or uncompressed data stored in {stored} bytes for {data}: it must be stored raw");
        foreach (var file in manifest.Files)
        {
            var bytes = await File.ReadAllBytesAsync(spool.FullPath(spool.DataFile(spec, 0, 0, file.PartitionId, file.FileIndex)), Ct);
            Assert.True(SpoolFileHeader.TryRead(bytes, out var header, out _));
            Assert.Equal(encrypted, header.IsEncrypted);
            if (encrypted)
                Assert.True(bytes.AsSpan().IndexOf(Marker) < 0 && bytes.AsSpan().IndexOf(pages[0].Payload.AsSpan(0, 64)) < 0, "plain text found in an encrypted file");
        }
    }

    [Fact]
    public async Task Lz4_BlockThatSavesLessThanTenPercent_IsStoredRaw()
    {
        var spool = NewSpool(new SpoolOptions { SinkBufferSize = 16 * 1024, Compression = BlockCompression.Lz4 });
        var spec = spool.Exchange("e1", partitions: 1);
        // Random pages with one short zero run each: LZ4 saves about 5%, less than the 10% the rule asks.
        var pages = Enumerable.Range(0, 20).Select(i =>
        {
            var page = Pages.Make(0, 0, i, 8000);
            Array.Clear(page, 100, 400);
            return new TestPage(0, page);
        }).ToList();

        var manifest = await spool.WriteAttemptAsync(spec, 0, 0, pages, Ct);

        var file = manifest.Files.Single();
        Assert.Equal(file.DataSize + SpoolFileHeader.Size + file.BlockCount * BlockHeader.Size, file.StoredSize);
        Pages.AssertSame(pages.Select(p => p.Payload).ToList(), (await spool.ReadAttemptAsync(spec, 0, 0, Ct))[0], "partition 0");
    }

    [Fact]
    public void Lz4Native_CompressesAndDecompressesAndRefusesMalformedInput()
    {
        var plain = Enumerable.Repeat(Marker, 100).SelectMany(m => m).ToArray();
        var compressed = new byte[plain.Length];

        var length = Lz4Native.Compress(plain, compressed);
        var restored = new byte[plain.Length];

        Assert.InRange(length, 1, plain.Length / 10);
        Assert.Equal(plain.Length, Lz4Native.Decompress(compressed.AsSpan(0, length), restored));
        Assert.Equal(plain, restored);
        Assert.Equal(0, Lz4Native.Compress(plain, new byte[16]));
        compressed[0] ^= 0xFF;
        Assert.NotEqual(plain.Length, Lz4Native.Decompress(compressed.AsSpan(0, length), restored));
    }

    [Fact]
    public void Lz4Native_MissingLibrary_NamesTheDebianPackage()
    {
        Assert.True(Lz4Native.TryLoad(Lz4Native.LibraryName, out _));
        Assert.False(Lz4Native.TryLoad("liblz4-not-there.so.1", out var problem));
        Assert.Contains("liblz4-1", problem);
    }
}
