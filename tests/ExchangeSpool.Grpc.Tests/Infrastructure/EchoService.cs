using ExchangeSpool.Grpc.Tests.Protos;

namespace ExchangeSpool.Grpc.Tests.Infrastructure;

/// <summary>
/// The reference behaviour of the echo service, also used by the node interop script:
/// Echo returns its request (or, for text "fail:DETAIL", fails with NotFound and that detail),
/// Sum adds the numbers, Count streams 1..count, Chat echoes every message.
/// </summary>
internal static class EchoService
{
    public const string FailPrefix = "fail:";

    public static void Bind(GrpcServiceBinder binder) => binder
        .AddUnaryMethod(EchoMethods.Echo, EchoAsync)
        .AddClientStreamingMethod(EchoMethods.Sum, SumAsync)
        .AddServerStreamingMethod(EchoMethods.Count, CountAsync)
        .AddDuplexStreamingMethod(EchoMethods.Chat, ChatAsync);

    public static Task<EchoReply> EchoAsync(EchoRequest request, ServerCallContext context)
    {
        if (request.Text.StartsWith(FailPrefix, StringComparison.Ordinal))
        {
            throw new RpcException(StatusCode.NotFound, request.Text[FailPrefix.Length..]);
        }

        return Task.FromResult(new EchoReply { Text = request.Text, Payload = request.Payload });
    }

    public static async Task<SumReply> SumAsync(IMessageReader<Number> requests, ServerCallContext context)
    {
        var reply = new SumReply();
        while (await requests.MoveNextAsync(context.CancellationToken))
        {
            reply.Total += requests.Current.Value;
            reply.Count++;
        }

        return reply;
    }

    public static async Task CountAsync(CountRequest request, IMessageWriter<Number> responses, ServerCallContext context)
    {
        for (var i = 1; i <= request.Count; i++)
        {
            await responses.WriteAsync(new Number { Value = i }, context.CancellationToken);
        }
    }

    public static async Task ChatAsync(IMessageReader<EchoRequest> requests, IMessageWriter<EchoReply> responses, ServerCallContext context)
    {
        while (await requests.MoveNextAsync(context.CancellationToken))
        {
            await responses.WriteAsync(new EchoReply { Text = requests.Current.Text, Payload = requests.Current.Payload }, context.CancellationToken);
        }
    }
}
