namespace ExchangeSpool.Core.Compression;

/// <summary><c>exchange.spool.compression</c>: how blocks are compressed before they are written.</summary>
public enum BlockCompression
{
    None,
    Lz4,
}
