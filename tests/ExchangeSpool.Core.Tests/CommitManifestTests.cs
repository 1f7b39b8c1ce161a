using System.Buffers.Binary;
using ExchangeSpool.Core.Format;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

public sealed class CommitManifestTests : SpoolTest
{
    private const string Name = "abc123.q1.e1/3/7/commit";

    private static readonly CommitManifest Sample = new(3, 7,
    [
        new ManifestFile(0, 0, 1_048_640, 1_048_576, 4, 2, UInt128.MaxValue / 3),
        new ManifestFile(0, 1, 96, 40, 1, 1, 1),
        new ManifestFile(5, 0, long.MaxValue / 3, 12_345_678_901, 99_999, int.MaxValue, UInt128.MaxValue),
    ]);

    private static void AssertSameManifest(CommitManifest expected, CommitManifest actual)
    {
        Assert.Equal(expected.SinkId, actual.SinkId);
        Assert.Equal(expected.AttemptId, actual.AttemptId);
        Assert.Equal(expected.Files, actual.Files);
    }

    [Fact]
    public void Manifest_SerializeThenParse_RoundTrips()
    {
        AssertSameManifest(Sample, CommitManifest.Parse(Sample.Serialize(), Name));
        var empty = new CommitManifest(0, 0, []);
        AssertSameManifest(empty, CommitManifest.Parse(empty.Serialize(), Name));
    }

    [Fact]
    public void Manifest_FlippedBitAnywhere_FailsNamingManifest()
    {
        var bytes = Sample.Serialize();
        for (var offset = 0; offset < bytes.Length; offset++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var damaged = (byte[])bytes.Clone();
                damaged[offset] ^= (byte)(1 << bit);
                var error = Record.Exception(() => CommitManifest.Parse(damaged, Name));
                Assert.True(error is SpoolException { Code: SpoolErrorCode.DataLoss } e && e.Message.Contains(Name),
                    $"offset {offset} bit {bit}: {error?.Message ?? "damage went unnoticed"}");
            }
        }
    }

    [Fact]
    public void Manifest_TruncatedOrExtended_FailsNamingManifest()
    {
        var bytes = Sample.Serialize();
        foreach (var length in new[] { 0, 3, 19, 24, bytes.Length - 1 })
            Assert.Contains(Name, Errors.Expect(SpoolErrorCode.DataLoss, () => CommitManifest.Parse(bytes.AsSpan(0, length), Name)));
        Assert.Contains(Name, Errors.Expect(SpoolErrorCode.DataLoss, () => CommitManifest.Parse([.. bytes, 0], Name)));
    }

    [Fact]
    public void Manifest_OfAnotherVersion_FailsNamingManifestAndVersion()
    {
        var bytes = Sample.Serialize();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 1);

        var message = Errors.Expect(SpoolErrorCode.DataLoss, () => CommitManifest.Parse(bytes, Name));

        Assert.Contains(Name, message);
        Assert.Contains("unsupported version 1", message);
    }

    [Fact]
    public async Task LoadManifest_AnotherAttemptsManifestInPlace_FailsNamingManifest()
    {
        var spool = NewSpool();
        var spec = spool.Exchange("e1", partitions: 1);
        await spool.WriteAttemptAsync(spec, 0, 0, Pages.Spread(0, 1, 3, _ => 10), Ct);
        await spool.WriteAttemptAsync(spec, 0, 1, Pages.Spread(0, 1, 3, _ => 10), Ct);
        var ours = spool.Context.Layout.Manifest(spec.Key, 0, 0);
        File.Copy(spool.FullPath(spool.Context.Layout.Manifest(spec.Key, 0, 1)), spool.FullPath(ours), overwrite: true);

        var message = await Errors.ExpectAsync(SpoolErrorCode.DataLoss, () => spool.ManifestAsync(spec, 0, 0, Ct));

        Assert.Contains(ours.RelativePath, message);
    }
}
