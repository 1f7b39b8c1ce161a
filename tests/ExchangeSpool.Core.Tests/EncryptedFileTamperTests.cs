using System.Buffers.Binary;
using ExchangeSpool.Core.Compression;
using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Encryption;
using ExchangeSpool.Core.Format;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

/// <summary>
/// Encrypted files a real sink attempt spooled, damaged the ways storage or an attacker could: each
/// is a data-loss error naming the exchange, the file and the block, never a wrong page.
/// </summary>
public sealed class EncryptedFileTamperTests : SpoolTest
{
    private const int Partitions = 2;

    public static TheoryData<BlockCompression> Compressions => [BlockCompression.None, BlockCompression.Lz4];

    /// <summary>An exchange with two committed attempts of sink 0, each with a multi-block file per partition.</summary>
    private sealed record Spooled(SpoolHarness Spool, ExchangeSpec Spec, CommitManifest Attempt0, CommitManifest Attempt1)
    {
        public ManifestFile Entry(int partition) => Attempt0.Files.Single(f => f.PartitionId == partition);

        public byte[] Bytes(int attempt, int partition) =>
            File.ReadAllBytes(Spool.FullPath(Spool.DataFile(Spec, 0, attempt, partition, 0)));

        /// <summary>Reads partition 0's file of attempt 0 as <paramref name="bytes"/> against <paramref name="entry"/> (default: its own entry).</summary>
        public async Task<string> ExpectDataLossAsync(byte[] bytes, string what, CancellationToken ct, ManifestFile? entry = null)
        {
            var message = await Spool.DataLossReadingAsync(Spec, 0, 0, entry ?? Entry(0), bytes, ct);
            Assert.True(message is not null, $"{what}: damage went unnoticed");
            Assert.True(message.Contains($"exchange {Spec.Key}") && message.Contains(Spool.DataFile(Spec, 0, 0, 0, 0).RelativePath), $"{what}: {message}");
            return message;
        }
    }

    private async Task<Spooled> SpoolAsync(BlockCompression compression)
    {
        var spool = NewSpool(new SpoolOptions { SinkBufferSize = 4096, Compression = compression }, TestKeys.Ring((7, TestKeys.NewKey())));
        var spec = spool.Exchange("e1", Partitions);
        // Half random, half repeated bytes: LZ4 keeps every block, at a size that varies with the content.
        var pages = Pages.Spread(0, Partitions, 40, _ => 10_000);
        foreach (var page in pages)
            Array.Fill(page.Payload, (byte)'x', 5000, 5000);
        var attempt0 = await spool.WriteAttemptAsync(spec, 0, 0, pages, Ct);
        var attempt1 = await spool.WriteAttemptAsync(spec, 0, 1, pages, Ct);
        Assert.All(attempt0.Files, f => Assert.True(f.BlockCount >= 3, $"{f.BlockCount} blocks"));
        return new Spooled(spool, spec, attempt0, attempt1);
    }

    /// <summary>Where each block of a file starts, from the stored lengths in its headers.</summary>
    private static List<int> BlockStarts(byte[] file)
    {
        var starts = new List<int>();
        for (var offset = SpoolFileHeader.Size; offset < file.Length; offset += BlockHeader.Size + BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(offset + 8)))
            starts.Add(offset);
        return starts;
    }

    private static byte[] Block(byte[] file, List<int> starts, int index) =>
        file[starts[index]..(index + 1 < starts.Count ? starts[index + 1] : file.Length)];

    /// <summary>Rewrites a block header's index and its header checksum, as an attacker who knows the format would.</summary>
    private static byte[] WithIndex(byte[] block, uint index)
    {
        var copy = (byte[])block.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(4), index);
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(28), Crc32C.Compute(copy.AsSpan(0, 28)));
        return copy;
    }

    [Theory]
    [MemberData(nameof(Compressions))]
    public async Task FlipOneBit_InEveryRegion_FailsNamingExchangeFileAndBlock(BlockCompression compression)
    {
        var spooled = await SpoolAsync(compression);
        var bytes = spooled.Bytes(0, 0);
        var block1 = BlockStarts(bytes)[1];
        var tag1 = block1 + BlockHeader.Size;
        var payload1 = tag1 + BlockCipher.TagSize;
        var regions = new (string Name, int From, int To, string Expected)[]
        {
            ("file header", 0, SpoolFileHeader.Size, "bad header"),
            ("block header", block1, tag1, "block 1:"),
            ("tag", tag1, payload1, "block 1: authentication failed"),
            ("payload start", payload1, payload1 + 8, "block 1: authentication failed"),
            ("payload end", bytes.Length - 8, bytes.Length, "authentication failed"),
        };

        foreach (var (name, from, to, expected) in regions)
        {
            for (var offset = from; offset < to; offset++)
            {
                for (var bit = 0; bit < 8; bit++)
                {
                    var damaged = (byte[])bytes.Clone();
                    damaged[offset] ^= (byte)(1 << bit);
                    var message = await spooled.ExpectDataLossAsync(damaged, $"{name} offset {offset} bit {bit}", Ct);
                    Assert.True(message.Contains(expected), $"{name} offset {offset} bit {bit}: {message}");
                }
            }
        }
        spooled.Spool.AssertNoBuffersHeld();
    }

    [Theory]
    [MemberData(nameof(Compressions))]
    public async Task Truncated_AtSeveralOffsets_FailsEvenWhenTheManifestAgrees(BlockCompression compression)
    {
        var spooled = await SpoolAsync(compression);
        var bytes = spooled.Bytes(0, 0);
        var starts = BlockStarts(bytes);
        int[] cuts = [0, 20, SpoolFileHeader.Size, starts[1], starts[1] + 10, starts[1] + BlockHeader.Size + 5, starts[^1] + 100, bytes.Length - 1];

        foreach (var cut in cuts)
        {
            await spooled.ExpectDataLossAsync(bytes[..cut], $"cut at {cut}", Ct);
            var message = await spooled.ExpectDataLossAsync(bytes[..cut], $"cut at {cut}, manifest agreeing", Ct, spooled.Entry(0) with { StoredSize = cut });
            if (cut > SpoolFileHeader.Size)
                Assert.Matches(@"block \d+:", message);
        }
    }

    [Theory]
    [MemberData(nameof(Compressions))]
    public async Task TwoBlocksSwapped_EvenWithRewrittenIndices_FailAuthentication(BlockCompression compression)
    {
        var spooled = await SpoolAsync(compression);
        var bytes = spooled.Bytes(0, 0);
        var starts = BlockStarts(bytes);
        byte[] head = bytes[..starts[1]], one = Block(bytes, starts, 1), two = Block(bytes, starts, 2), tail = bytes[(starts[2] + two.Length)..];

        var swapped = await spooled.ExpectDataLossAsync([.. head, .. two, .. one, .. tail], "swapped", Ct);
        var rewritten = await spooled.ExpectDataLossAsync([.. head, .. WithIndex(two, 1), .. WithIndex(one, 2), .. tail], "swapped with indices rewritten", Ct);

        Assert.Contains("block 1: block carries index 2", swapped);
        Assert.Contains("block 1: authentication failed", rewritten);
    }

    [Theory]
    [MemberData(nameof(Compressions))]
    public async Task BlockCopiedFromAnotherFileOfTheExchange_FailsAuthentication(BlockCompression compression)
    {
        var spooled = await SpoolAsync(compression);
        var bytes = spooled.Bytes(0, 0);
        var starts = BlockStarts(bytes);
        foreach (var (attempt, partition) in new[] { (0, 1), (1, 0) })
        {
            var other = spooled.Bytes(attempt, partition);
            var foreign = Block(other, BlockStarts(other), 1);
            byte[] spliced = [.. bytes[..starts[1]], .. foreign, .. bytes[starts[2]..]];

            var message = await spooled.ExpectDataLossAsync(spliced, $"block 1 of attempt {attempt} partition {partition}", Ct,
                spooled.Entry(0) with { StoredSize = spliced.Length });

            Assert.Contains("block 1: authentication failed", message);
        }
    }

    [Theory]
    [MemberData(nameof(Compressions))]
    public async Task FileReplacedByAnotherAttemptsFile_FailsOnItsSeed_AndOnAuthenticationIfTheManifestIsForgedToo(BlockCompression compression)
    {
        var spooled = await SpoolAsync(compression);
        var theirs = spooled.Attempt1.Files.Single(f => f.PartitionId == 0);

        var replaced = await spooled.ExpectDataLossAsync(spooled.Bytes(1, 0), "file of attempt 1", Ct);
        var forged = await spooled.ExpectDataLossAsync(spooled.Bytes(1, 0), "file of attempt 1 with its manifest entry", Ct, theirs);

        Assert.Contains("is not the file its commit manifest lists", replaced);
        Assert.Contains("block 0: authentication failed", forged);
    }
}
