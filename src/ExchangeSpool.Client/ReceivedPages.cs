using System.Buffers;
using ExchangeSpool.Protocol;
using Grpc.Core;

namespace ExchangeSpool.Client;

/// <summary>
/// The pages of one ReadSource message, each copied once from gRPC's receive buffer into the array
/// a reader is handed (gRPC releases that buffer when deserialization returns).
/// </summary>
internal sealed class ReceivedPages(List<byte[]> pages, long bytes)
{
    /// <summary>ReadSource as this client reads it: the server's <see cref="PageBatch"/> split into pages while deserialized.</summary>
    public static readonly Method<ReadSourceRequest, ReceivedPages> ReadSource = new(
        MethodType.ServerStreaming, ExchangeSpoolMethods.ServiceName, nameof(ReadSource),
        ExchangeSpoolMethods.ProtobufMarshaller(ReadSourceRequest.Parser),
        Marshallers.Create<ReceivedPages>(static (_, _) => throw new NotSupportedException("a client never sends SourcePages"), Deserialize));

    public List<byte[]> Pages { get; } = pages;

    public long Bytes { get; } = bytes;

    private static ReceivedPages Deserialize(DeserializationContext context)
    {
        var batch = PageBatch.Parse(context.PayloadAsReadOnlySequence());
        var reader = new SequenceReader<byte>(batch.Pages);
        var pages = new List<byte[]>(batch.PageCount);
        long bytes = 0;
        while (!reader.End)
        {
            if (!reader.TryReadLittleEndian(out int length))
                throw new InvalidDataException($"ReadSource sent a truncated page frame header ({reader.Remaining} bytes)");
            if (length < 0 || length > reader.Remaining)
                throw new InvalidDataException($"ReadSource sent a page frame of {length} bytes with {reader.Remaining} left");
            var page = GC.AllocateUninitializedArray<byte>(length);
            reader.TryCopyTo(page);
            reader.Advance(length);
            pages.Add(page);
            bytes += length;
        }
        if (pages.Count != batch.PageCount)
            throw new InvalidDataException($"ReadSource sent {pages.Count} pages in a message that says {batch.PageCount}");
        return new ReceivedPages(pages, bytes);
    }
}
