using ExchangeSpool.Core.Buffers;
using ExchangeSpool.Core.Compression;
using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Format;
using ExchangeSpool.Core.Storage;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

/// <summary>Spool files: what SinkAttempt/BlockSealer write and what SpoolFileReader accepts or refuses.</summary>
public sealed class FileFormatTests : SpoolTest
{
    /// <summary>A file written block by block with BlockSealer, and where each block starts.</summary>
    private sealed record SmallFile(ExchangeSpec Spec, StoragePath Path, ManifestFile Entry, byte[] Bytes, long[] BlockStarts, List<byte[]> Pages)
    {
        public int? BlockAt(long offset)
        {
            int? block = null;
            for (var i = 0; i < BlockStarts.Length && BlockStarts[i] <= offset; i++)
                block = i;
            return block;
        }
    }

    private static async Task<SmallFile> WriteSmallFileAsync(SpoolHarness spool, CancellationToken ct, params int[][] blockPageSizes)
    {
        var spec = spool.Exchange("format", partitions: 1);
        var path = spool.DataFile(spec, 0, 0, 0, 0);
        var binding = new SpoolFileBinding(SpoolFileHeader.Create(encryptionKeyId: null), new SpoolFilePlace(0, 0, 0, 0));
        var sealer = new BlockSealer(spool.Context.Pool, BlockCompression.None, cipher: null);
        var pages = new List<byte[]>();
        var starts = new List<long>();
        long stored = 0, data = 0, count = 0;
        await using (var writer = await spool.Context.Storage.CreateFileAsync(path, ct))
        {
            for (var b = 0; b < blockPageSizes.Length; b++)
            {
                var buffer = await spool.Context.Pool.RentAsync(MemoryUse.SinkBuffers, blockPageSizes[b].Sum(l => PageFrames.FrameHeaderSize + l), ct);
                foreach (var length in blockPageSizes[b])
                {
                    var page = Pages.Make(0, 0, pages.Count, length);
                    PageFrames.WriteHeader(buffer.Free, length);
                    page.CopyTo(buffer.Free[PageFrames.FrameHeaderSize..]);
                    buffer.Length += PageFrames.FrameHeaderSize + length;
                    buffer.PageCount++;
                    pages.Add(page);
                }
                var bytes = sealer.Seal(buffer, (uint)b, binding, firstBlock: b == 0).Bytes;
                starts.Add(b == 0 ? SpoolFileHeader.Size : stored);
                await writer.WriteAsync(bytes, ct);
                stored += bytes.Length;
                data += buffer.Length;
                count += buffer.PageCount;
                spool.Context.Pool.Return(buffer);
            }
            await writer.CompleteAsync(ct);
        }
        var entry = new ManifestFile(0, 0, stored, data, count, blockPageSizes.Length, binding.Header.NonceSeed);
        return new SmallFile(spec, path, entry, await File.ReadAllBytesAsync(spool.FullPath(path), ct), starts.ToArray(), pages);
    }

    private Task<string?> DataLossReadingAsync(SpoolHarness spool, SmallFile file, byte[] bytes, ManifestFile entry) =>
        spool.DataLossReadingAsync(file.Spec, 0, 0, entry, bytes, Ct);

    [Fact]
    public async Task SinkAttempt_ManyBlocksAndPartitions_ReadBackByteExactAndInOrder()
    {
        var spool = NewSpool(new SpoolOptions { SinkBufferSize = 64 * 1024, MaxPageStorageSize = SpoolOptions.MiB });
        var spec = spool.Exchange("e1", partitions: 3);
        int[] sizes = [0, 1, 11, 12, 4000, 65532, 65533, 100_000, 300_000, 7];
        var pages = Pages.Spread(sink: 0, partitions: 3, count: 200, i => sizes[i % sizes.Length] + i % 5);

        var manifest = await spool.WriteAttemptAsync(spec, 0, 0, pages, Ct, batchBytes: 256 * 1024);

        Assert.Contains(manifest.Files, f => f.BlockCount > 1);
        var read = await spool.ReadAttemptAsync(spec, 0, 0, Ct);
        var expected = Pages.ByPartition(pages, 3);
        for (var p = 0; p < 3; p++)
            Pages.AssertSame(expected[p], read[p], $"partition {p}");
        spool.AssertNoBuffersHeld();
    }

    [Fact]
    public async Task Reader_SmallFile_ReturnsEveryPageOfEveryBlock()
    {
        var spool = NewSpool();
        var file = await WriteSmallFileAsync(spool, Ct, [5, 0, 17], [9], [1, 2]);

        var pages = await spool.ReadFileAsync(file.Spec, 0, 0, file.Entry, Ct);

        Pages.AssertSame(file.Pages, pages, file.Path.RelativePath);
    }

    [Fact]
    public async Task Reader_FlippedBitAnywhere_FailsNamingFileAndBlock()
    {
        var spool = NewSpool();
        var file = await WriteSmallFileAsync(spool, Ct, [5, 0, 17], [9]);

        for (var offset = 0; offset < file.Bytes.Length; offset++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var damaged = (byte[])file.Bytes.Clone();
                damaged[offset] ^= (byte)(1 << bit);
                var message = await DataLossReadingAsync(spool, file, damaged, file.Entry);
                var where = $"offset {offset} bit {bit}";
                Assert.True(message is not null, $"{where}: damage went unnoticed");
                Assert.True(message.Contains(file.Path.RelativePath), $"{where}: {message}");
                if (file.BlockAt(offset) is { } block)
                    Assert.True(message.Contains($"block {block}:"), $"{where} (block {block}): {message}");
            }
        }
        spool.AssertNoBuffersHeld();
    }

    public static TheoryData<string> CutPoints => ["inside file header", "after file header", "at block boundary", "inside block header", "inside payload"];

    private static (long Offset, int? Block) Cut(SmallFile file, string where) => where switch
    {
        "inside file header" => (10, null),
        "after file header" => (SpoolFileHeader.Size, 0),
        "at block boundary" => (file.BlockStarts[1], 1),
        "inside block header" => (file.BlockStarts[1] + 10, 1),
        "inside payload" => (file.BlockStarts[1] + BlockHeader.Size + 5, 1),
        _ => throw new ArgumentOutOfRangeException(nameof(where)),
    };

    [Theory]
    [MemberData(nameof(CutPoints))]
    public async Task Reader_TruncatedFile_FailsNamingFileAndSizeFromManifest(string where)
    {
        var spool = NewSpool();
        var file = await WriteSmallFileAsync(spool, Ct, [5, 17], [9, 30]);
        var (offset, _) = Cut(file, where);

        var message = await DataLossReadingAsync(spool, file, file.Bytes[..(int)offset], file.Entry);

        Assert.NotNull(message);
        Assert.Contains(file.Path.RelativePath, message);
        Assert.Contains($"is {offset} bytes long, its commit manifest says {file.Entry.StoredSize}", message);
    }

    [Theory]
    [MemberData(nameof(CutPoints))]
    public async Task Reader_TruncatedFileMatchingAManifest_FailsNamingFileAndBlock(string where)
    {
        // A manifest that agrees with the cut size: the block structure alone must catch it.
        var spool = NewSpool();
        var file = await WriteSmallFileAsync(spool, Ct, [5, 17], [9, 30]);
        var (offset, block) = Cut(file, where);

        var message = await DataLossReadingAsync(spool, file, file.Bytes[..(int)offset], file.Entry with { StoredSize = offset });

        Assert.NotNull(message);
        Assert.Contains(file.Path.RelativePath, message);
        if (block is { } index)
            Assert.Contains($"block {index}:", message);
        else
            Assert.Contains("file header truncated", message);
    }

    [Fact]
    public async Task Reader_TwoBlocksSwapped_FailsNamingFirstBlock()
    {
        var spool = NewSpool();
        var file = await WriteSmallFileAsync(spool, Ct, [5, 17], [9, 30, 2]);
        var start0 = (int)file.BlockStarts[0];
        var start1 = (int)file.BlockStarts[1];
        byte[] swapped = [.. file.Bytes[..start0], .. file.Bytes[start1..], .. file.Bytes[start0..start1]];

        var message = await DataLossReadingAsync(spool, file, swapped, file.Entry);

        Assert.NotNull(message);
        Assert.Contains($"{file.Path.RelativePath} block 0:", message);
        Assert.Contains("index 1", message);
    }

    [Fact]
    public async Task Reader_BytesBeyondTheManifestedBlocks_FailsNamingFile()
    {
        var spool = NewSpool();
        var file = await WriteSmallFileAsync(spool, Ct, [5], [9]);
        byte[] longer = [.. file.Bytes, .. file.Bytes[(int)file.BlockStarts[1]..]];

        var message = await DataLossReadingAsync(spool, file, longer, file.Entry with { StoredSize = longer.Length });

        Assert.NotNull(message);
        Assert.Contains(file.Path.RelativePath, message);
        Assert.Contains("does not list", message);
    }

    [Fact]
    public async Task Reader_FileReplacedByAnotherAttemptsFile_FailsOnManifestSize()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 1);
        var ours = await spool.WriteAttemptAsync(spec, 0, 0, Pages.Spread(0, 1, 10, _ => 100), Ct);
        await spool.WriteAttemptAsync(spec, 0, 1, Pages.Spread(0, 1, 11, _ => 100), Ct);
        var path = spool.DataFile(spec, 0, 0, 0, 0);
        File.Copy(spool.FullPath(spool.DataFile(spec, 0, 1, 0, 0)), spool.FullPath(path), overwrite: true);

        var message = await Errors.ExpectAsync(SpoolErrorCode.DataLoss, () => spool.ReadFileAsync(spec, 0, 0, ours.Files[0], Ct));

        Assert.Contains(path.RelativePath, message);
        Assert.Contains($"its commit manifest says {ours.Files[0].StoredSize}", message);
    }

    [Fact]
    public async Task Reader_FileReplacedByAnotherAttemptsFileOfTheSameSize_FailsOnManifestSeed()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 1);
        var pages = Pages.Spread(0, 1, 10, _ => 100);
        var ours = await spool.WriteAttemptAsync(spec, 0, 0, pages, Ct);
        await spool.WriteAttemptAsync(spec, 0, 1, pages, Ct);
        var path = spool.DataFile(spec, 0, 0, 0, 0);
        File.Copy(spool.FullPath(spool.DataFile(spec, 0, 1, 0, 0)), spool.FullPath(path), overwrite: true);

        var message = await Errors.ExpectAsync(SpoolErrorCode.DataLoss, () => spool.ReadFileAsync(spec, 0, 0, ours.Files[0], Ct));

        Assert.Contains(path.RelativePath, message);
        Assert.Contains("is not the file its commit manifest lists", message);
    }
}
