using ExchangeSpool.Core.Format;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

public sealed class PageFramesTests
{
    /// <summary>Block-payload frames [int32 LE length][bytes] (no partition: that is only on the wire).</summary>
    private static byte[] Frames(params int[] lengths)
    {
        var bytes = new List<byte>();
        foreach (var length in lengths)
        {
            bytes.AddRange(BitConverter.GetBytes(length));
            bytes.AddRange(Pages.Make(0, 0, bytes.Count, Math.Max(length, 0)));
        }
        return [.. bytes];
    }

    [Fact]
    public void TryValidate_ExactFrames_Succeeds()
    {
        Assert.True(PageFrames.TryValidate(Frames(3, 0, 100), 3, out var problem), problem);
        Assert.Equal("", problem);
        Assert.True(PageFrames.TryValidate([], 0, out _));
    }

    [Fact]
    public void TryValidate_FrameHeaderCutOff_FailsNamingFrame()
    {
        var bytes = Frames(3, 5);
        Assert.False(PageFrames.TryValidate(bytes.AsSpan(0, bytes.Length - 5 - 2), 2, out var problem));
        Assert.Contains("page frame 1 is cut off", problem);
    }

    [Fact]
    public void TryValidate_PayloadCutOff_FailsNamingFrame()
    {
        var bytes = Frames(3, 5);
        Assert.False(PageFrames.TryValidate(bytes.AsSpan(0, bytes.Length - 1), 2, out var problem));
        Assert.Contains("page frame 1 claims 5 bytes, 4 remain", problem);
    }

    [Fact]
    public void TryValidate_NegativeLength_Fails()
    {
        var bytes = Frames(3, 5);
        BitConverter.TryWriteBytes(bytes.AsSpan(7), -1);
        Assert.False(PageFrames.TryValidate(bytes, 2, out var problem));
        Assert.Contains("page frame 1 claims -1 bytes", problem);
    }

    [Fact]
    public void TryValidate_PageCountMismatch_Fails()
    {
        Assert.False(PageFrames.TryValidate(Frames(3, 5), 3, out var problem));
        Assert.Contains("block holds 2 pages, its header says 3", problem);
        Assert.False(PageFrames.TryValidate(Frames(3, 5), 1, out problem));
        Assert.Contains("block holds 2 pages, its header says 1", problem);
    }

    [Fact]
    public void PageAt_WalksFramesInOrder()
    {
        var bytes = Frames(3, 0, 20);
        var offset = 0;
        Assert.Equal(bytes.AsSpan(4, 3).ToArray(), PageFrames.PageAt(bytes, ref offset).ToArray());
        Assert.Equal(0, PageFrames.PageAt(bytes, ref offset).Length);
        Assert.Equal(bytes.AsSpan(15, 20).ToArray(), PageFrames.PageAt(bytes, ref offset).ToArray());
        Assert.Equal(bytes.Length, offset);
    }
}
