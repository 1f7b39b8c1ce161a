using ExchangeSpool.Core;
using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Core.Planning;
using ExchangeSpool.Core.Sources;
using ExchangeSpool.Protocol;
using Google.Protobuf;

namespace ExchangeSpool.Server.Service;

/// <summary>Translates between the wire messages and the core's types, checking what the wire may leave out.</summary>
internal static class ProtocolMapping
{
    public static ExchangeKey ToKey(ExchangeRef? exchange) =>
        exchange is null
            ? throw SpoolException.InvalidArgument("the exchange (query id and exchange id) is missing")
            : new ExchangeKey(exchange.QueryId, exchange.ExchangeId).Validated();

    public static ExchangeSpec ToSpec(ExchangeDescriptor? descriptor) =>
        descriptor is null
            ? throw SpoolException.InvalidArgument("the exchange descriptor is missing")
            : new ExchangeSpec(ToKey(descriptor.Exchange), descriptor.PartitionCount, descriptor.PreserveOrder, descriptor.Salt.Memory);

    public static ExchangeDescriptor ToDescriptor(ExchangeSpec spec, IEnumerable<string> storageLocations, SpoolOptions options) =>
        new()
        {
            Exchange = new ExchangeRef { QueryId = spec.Key.QueryId, ExchangeId = spec.Key.ExchangeId },
            PartitionCount = spec.PartitionCount,
            PreserveOrder = spec.PreserveOrder,
            StorageLocations = { storageLocations },
            Salt = ByteString.CopyFrom(spec.Salt.Span),
            Settings = new ExchangeSettings
            {
                MaxPageStorageSize = options.MaxPageStorageSize,
                SinkMaxFileSize = options.SinkMaxFileSize,
                SourceHandleTargetDataSize = options.SourceHandleTargetDataSize,
                MaxOutputPartitionCount = options.MaxOutputPartitionCount,
            },
        };

    public static SourceHandle ToMessage(PlannedHandle handle)
    {
        var message = new SourceHandle { PartitionId = handle.PartitionId, DataSize = handle.DataSize };
        foreach (var file in handle.Files)
        {
            message.Files.Add(new SourceFile
            {
                SinkId = file.SinkId,
                AttemptId = file.AttemptId,
                FileIndex = file.FileIndex,
                DataSize = file.DataSize,
            });
        }
        return message;
    }

    public static SourceRequest ToSourceRequest(ReadSourceRequest request)
    {
        var exchanges = request.Exchanges
            .Select(e => new Core.Sources.SourceExchange(ToSpec(e.Exchange), e.SelectedAttempts.Memory))
            .ToArray();
        var handles = request.Handles
            .Select(h => new SourceHandleRef(h.ExchangeIndex, h.PartitionId,
                h.Files.Select(f => new SourceFileRef(f.SinkId, f.AttemptId, f.FileIndex, f.DataSize)).ToArray()))
            .ToArray();
        return new SourceRequest(exchanges, handles);
    }
}
