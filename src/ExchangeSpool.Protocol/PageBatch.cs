using System.Buffers;
using Google.Protobuf;
using Grpc.Core;

namespace ExchangeSpool.Protocol;

/// <summary>
/// A data-plane message (<see cref="SinkMessage"/> or <see cref="SourcePages"/>, which share field
/// numbers). Sent, its pages are written straight into gRPC's buffer writer. Received, they are
/// copied once into a pooled array that the batch owns until it is disposed: gRPC releases the
/// received payload as soon as the deserializer returns, while a sink may wait for memory before it
/// can take the pages.
/// </summary>
public sealed class PageBatch : IDisposable
{
    private const int OpenField = 1;
    private const int PageCountField = 2;
    private const int PagesField = 3;
    private const int FinishField = 4;

    /// <summary>The SinkMessage.open submessage, parsed, when present.</summary>
    public SinkOpen? Open { get; init; }

    public int PageCount { get; init; }

    /// <summary>Page frames: [int32 partition][int32 length][payload] from sinks, [int32 length][payload] from sources.</summary>
    public ReadOnlySequence<byte> Pages { get; init; }

    public bool Finish { get; init; }

    private byte[]? _pooledPages;

    public static Marshaller<PageBatch> Marshaller { get; } = Marshallers.Create<PageBatch>(Serialize, Deserialize);

    /// <summary>Returns the pooled copy of a received batch's pages; <see cref="Pages"/> is invalid afterwards.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _pooledPages, null) is { } pooled)
            ArrayPool<byte>.Shared.Return(pooled);
    }

    private static void Serialize(PageBatch batch, SerializationContext context)
    {
        context.SetPayloadLength(ComputeSize(batch));
        Write(batch, context.GetBufferWriter());
        context.Complete();
    }

    private static PageBatch Deserialize(DeserializationContext context)
    {
        var parsed = Parse(context.PayloadAsReadOnlySequence());
        if (parsed.Pages.IsEmpty)
            return parsed;
        var length = checked((int)parsed.Pages.Length);
        var pooled = ArrayPool<byte>.Shared.Rent(length);
        parsed.Pages.CopyTo(pooled);
        return new PageBatch
        {
            Open = parsed.Open,
            PageCount = parsed.PageCount,
            Pages = new ReadOnlySequence<byte>(pooled, 0, length),
            Finish = parsed.Finish,
            _pooledPages = pooled,
        };
    }

    /// <summary>Reads a message whose <see cref="Pages"/> stay a slice of <paramref name="message"/>.</summary>
    public static PageBatch Parse(ReadOnlySequence<byte> message)
    {
        var reader = new SequenceReader<byte>(message);
        SinkOpen? open = null;
        var pageCount = 0;
        var pages = ReadOnlySequence<byte>.Empty;
        var finish = false;
        while (!reader.End)
        {
            if (!ProtobufWire.TryReadVarint(ref reader, out var tag))
                throw Malformed("a truncated field tag");
            var field = (int)(tag >> 3);
            var wireType = (int)(tag & 7);
            var ok = (field, wireType) switch
            {
                (OpenField, ProtobufWire.WireLengthDelimited) => TryReadOpen(ref reader, out open),
                (PageCountField, ProtobufWire.WireVarint) => TryReadInt32(ref reader, out pageCount),
                (PagesField, ProtobufWire.WireLengthDelimited) => ProtobufWire.TryReadLengthDelimited(ref reader, out pages),
                (FinishField, ProtobufWire.WireVarint) => TryReadBool(ref reader, out finish),
                _ => ProtobufWire.TrySkip(ref reader, wireType),
            };
            if (!ok)
                throw Malformed($"field {field} (wire type {wireType}) is truncated or invalid");
        }
        return new PageBatch { Open = open, PageCount = pageCount, Pages = pages, Finish = finish };
    }

    public static int ComputeSize(PageBatch batch)
    {
        long size = 0;
        if (batch.Open is { } open)
        {
            var openSize = open.CalculateSize();
            size += ProtobufWire.TagSize(OpenField) + ProtobufWire.VarintSize((uint)openSize) + openSize;
        }
        if (batch.PageCount != 0)
            size += ProtobufWire.TagSize(PageCountField) + ProtobufWire.VarintSize((ulong)(long)batch.PageCount);
        if (!batch.Pages.IsEmpty)
            size += ProtobufWire.TagSize(PagesField) + ProtobufWire.VarintSize((ulong)batch.Pages.Length) + batch.Pages.Length;
        if (batch.Finish)
            size += ProtobufWire.TagSize(FinishField) + 1;
        return checked((int)size);
    }

    public static void Write(PageBatch batch, IBufferWriter<byte> writer)
    {
        if (batch.Open is { } open)
        {
            ProtobufWire.WriteTag(writer, OpenField, ProtobufWire.WireLengthDelimited);
            ProtobufWire.WriteVarint(writer, (uint)open.CalculateSize());
            open.WriteTo(writer);
        }
        if (batch.PageCount != 0)
        {
            ProtobufWire.WriteTag(writer, PageCountField, ProtobufWire.WireVarint);
            ProtobufWire.WriteVarint(writer, (ulong)(long)batch.PageCount);
        }
        if (!batch.Pages.IsEmpty)
        {
            ProtobufWire.WriteTag(writer, PagesField, ProtobufWire.WireLengthDelimited);
            ProtobufWire.WriteVarint(writer, (ulong)batch.Pages.Length);
            ProtobufWire.WriteBytes(writer, batch.Pages);
        }
        if (batch.Finish)
        {
            ProtobufWire.WriteTag(writer, FinishField, ProtobufWire.WireVarint);
            ProtobufWire.WriteVarint(writer, 1);
        }
    }

    private static bool TryReadOpen(ref SequenceReader<byte> reader, out SinkOpen? open)
    {
        open = null;
        if (!ProtobufWire.TryReadLengthDelimited(ref reader, out var content))
            return false;
        try
        {
            open = SinkOpen.Parser.ParseFrom(content);
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
        return true;
    }

    private static bool TryReadInt32(ref SequenceReader<byte> reader, out int value)
    {
        var ok = ProtobufWire.TryReadVarint(ref reader, out var raw);
        value = (int)raw;
        return ok;
    }

    private static bool TryReadBool(ref SequenceReader<byte> reader, out bool value)
    {
        var ok = ProtobufWire.TryReadVarint(ref reader, out var raw);
        value = raw != 0;
        return ok;
    }

    private static RpcException Malformed(string problem) =>
        SpoolErrors.ToRpcException(StatusCode.InvalidArgument, ErrorReasons.InvalidRequest, $"malformed page batch message: {problem}");
}
