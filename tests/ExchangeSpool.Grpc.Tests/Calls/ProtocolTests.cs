using System.Net;
using ExchangeSpool.Grpc.Tests.Framing;
using ExchangeSpool.Grpc.Tests.Infrastructure;
using ExchangeSpool.Grpc.Tests.Protos;
using Google.Protobuf;

namespace ExchangeSpool.Grpc.Tests.Calls;

/// <summary>Requests the real client never sends, checked against the specification's answers.</summary>
public sealed class ProtocolTests
{
    private static readonly byte[] EchoFrame = MessageFramingTests.Frame(new EchoRequest { Text = "x" }.ToByteArray());

    [Fact]
    public async Task TruncatedRequestMessage_AnswersInternalIncompleteMessage()
    {
        await using var server = await TestServer.StartEchoAsync();
        var truncated = MessageFramingTests.Frame(new byte[10])[..8];

        var response = await RawGrpcClient.PostAsync(server.Address, EchoMethods.Echo.FullName, truncated);

        Assert.Equal("13", response.GrpcStatus);
        Assert.Equal("Incomplete message.", response.GrpcMessage);
    }

    [Fact]
    public async Task UnaryRequestWithTwoMessages_AnswersUnimplemented()
    {
        await using var server = await TestServer.StartEchoAsync();

        var response = await RawGrpcClient.PostAsync(server.Address, EchoMethods.Echo.FullName, [.. EchoFrame, .. EchoFrame]);

        Assert.Equal("12", response.GrpcStatus);
        Assert.Equal("Additional data after the message received.", response.GrpcMessage);
    }

    [Fact]
    public async Task UnaryRequestWithoutMessage_AnswersUnimplemented()
    {
        await using var server = await TestServer.StartEchoAsync();

        var response = await RawGrpcClient.PostAsync(server.Address, EchoMethods.Echo.FullName, []);

        Assert.Equal("12", response.GrpcStatus);
    }

    [Fact]
    public async Task CompressedMessageWithoutEncoding_AnswersInternal()
    {
        await using var server = await TestServer.StartEchoAsync();
        byte[] compressed = [1, .. EchoFrame[1..]];

        var response = await RawGrpcClient.PostAsync(server.Address, EchoMethods.Echo.FullName, compressed);

        Assert.Equal("13", response.GrpcStatus);
    }

    [Fact]
    public async Task WrongContentType_Answers415()
    {
        await using var server = await TestServer.StartEchoAsync();

        var response = await RawGrpcClient.PostAsync(server.Address, EchoMethods.Echo.FullName, EchoFrame, contentType: "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.HttpStatus);
    }

    [Fact]
    public async Task ProtoContentTypeSuffix_IsAccepted()
    {
        await using var server = await TestServer.StartEchoAsync();

        var response = await RawGrpcClient.PostAsync(server.Address, EchoMethods.Echo.FullName, EchoFrame, contentType: "application/grpc+proto");

        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal("application/grpc", response.ContentType);
        Assert.Equal("0", response.GrpcStatus);
        Assert.Equal("x", EchoReply.Parser.ParseFrom(response.Body[5..]).Text);
    }

    [Fact]
    public async Task UnknownMethodOfKnownService_AnswersUnimplementedWithHttp200()
    {
        await using var server = await TestServer.StartEchoAsync();

        var response = await RawGrpcClient.PostAsync(server.Address, $"/{EchoMethods.ServiceName}/Missing", EchoFrame);

        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal("application/grpc", response.ContentType);
        Assert.Equal("12", response.GrpcStatus);
    }

    [Fact]
    public async Task UnknownService_ClientGetsUnimplemented()
    {
        await using var server = await TestServer.StartEchoAsync();
        var unknown = new Method<EchoRequest, EchoReply>(
            MethodType.Unary, "other.Service", "Echo", EchoMethods.Echo.RequestMarshaller, EchoMethods.Echo.ResponseMarshaller);

        var error = await Assert.ThrowsAsync<RpcException>(() => server.CreateChannel().UnaryAsync(unknown, new EchoRequest()));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        Assert.Contains("other.Service", error.Status.Detail);
    }

    [Fact]
    public async Task GrpcTimeoutHeader_ServerEndsCallWithDeadlineExceeded()
    {
        var sawDeadline = new TaskCompletionSource<DateTime?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(binder => binder.AddUnaryMethod(EchoMethods.Echo, async (_, context) =>
        {
            sawDeadline.TrySetResult(context.Deadline);
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return new EchoReply();
        }));

        var response = await RawGrpcClient.PostAsync(server.Address, EchoMethods.Echo.FullName, EchoFrame, timeout: "200m");

        Assert.Equal("4", response.GrpcStatus);
        Assert.NotNull(await sawDeadline.Task);
    }
}
