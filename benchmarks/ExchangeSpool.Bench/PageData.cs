namespace ExchangeSpool.Bench;

/// <summary>
/// Incompressible bytes every section sends, so that no layer (LZ4 when enabled, the disk) gets an
/// easier job than another. One buffer is reused: copying it is part of every client's work anyway.
/// </summary>
public static class PageData
{
    public static byte[] Random(int size)
    {
        var data = new byte[size];
        new Random(20261121).NextBytes(data);
        return data;
    }

    /// <summary>Splits <paramref name="total"/> over <paramref name="parts"/> as evenly as whole units allow.</summary>
    public static long Share(long total, int parts, int index) => total / parts + (index < total % parts ? 1 : 0);
}
