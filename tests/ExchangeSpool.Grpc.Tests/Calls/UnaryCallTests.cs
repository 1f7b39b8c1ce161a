using ExchangeSpool.Grpc.Tests.Infrastructure;
using ExchangeSpool.Grpc.Tests.Protos;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace ExchangeSpool.Grpc.Tests.Calls;

public sealed class UnaryCallTests
{
    [Fact]
    public async Task Unary_RoundTrip_ReturnsHandlerResponse()
    {
        await using var server = await TestServer.StartEchoAsync();
        var payload = ByteString.CopyFrom(Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray());

        var reply = await server.CreateChannel().UnaryAsync(EchoMethods.Echo, new EchoRequest { Text = "hello", Payload = payload });

        Assert.Equal("hello", reply.Text);
        Assert.Equal(payload, reply.Payload);
    }

    [Fact]
    public async Task Unary_HandlerThrowsRpcException_ClientSeesStatusAndDetail()
    {
        await using var server = await TestServer.StartEchoAsync();
        const string detail = "clé «introuvable» ✓ 100% 日本";

        var error = await Assert.ThrowsAsync<RpcException>(
            () => server.CreateChannel().UnaryAsync(EchoMethods.Echo, new EchoRequest { Text = EchoService.FailPrefix + detail }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(detail, error.Status.Detail);
        Assert.Contains(detail, error.Message);
    }

    [Fact]
    public async Task Unary_ServerContext_SeesRequestHeadersMethodAndPeer()
    {
        (string Method, string Peer, DateTime? Deadline, string Tenant)? seen = null;
        await using var server = await TestServer.StartAsync(binder => binder.AddUnaryMethod(EchoMethods.Echo, (request, context) =>
        {
            seen = (context.Method, context.Peer, context.Deadline, context.RequestHeaders["x-tenant"]);
            return Task.FromResult(new EchoReply());
        }));

        await server.CreateChannel().UnaryAsync(
            EchoMethods.Echo, new EchoRequest(), new CallOptions(Headers: new Dictionary<string, string> { ["x-tenant"] = "acme" }));

        Assert.Equal("acme", seen!.Value.Tenant);
        Assert.Equal("/exchangespool.test.EchoService/Echo", seen.Value.Method);
        Assert.StartsWith("ipv4:127.0.0.1:", seen.Value.Peer);
        Assert.Null(seen.Value.Deadline);
    }

    [Fact]
    public async Task Unary_HandlerThrowsUnmappedException_InternalWithGenericDetailAndErrorLogged()
    {
        await using var server = await TestServer.StartAsync(binder => binder.AddUnaryMethod(
            EchoMethods.Echo, (_, _) => throw new InvalidOperationException("secret internals")));

        var error = await Assert.ThrowsAsync<RpcException>(
            () => server.CreateChannel().UnaryAsync(EchoMethods.Echo, new EchoRequest()));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Equal("Exception was thrown by handler.", error.Status.Detail);
        Assert.Contains(server.Logs.Entries, entry => entry.Level == LogLevel.Error && entry.Exception?.Message == "secret internals");
    }

    [Fact]
    public async Task Unary_ExceptionMapper_MapsApplicationExceptionToItsStatus()
    {
        await using var server = await TestServer.StartAsync(
            binder => binder.AddUnaryMethod(EchoMethods.Echo, (_, _) => throw new KeyNotFoundException("no such exchange")),
            options => options.ExceptionMapper = ex => ex is KeyNotFoundException ? new Status(StatusCode.NotFound, ex.Message) : null);

        var error = await Assert.ThrowsAsync<RpcException>(
            () => server.CreateChannel().UnaryAsync(EchoMethods.Echo, new EchoRequest()));

        Assert.Equal(new Status(StatusCode.NotFound, "no such exchange"), error.Status);
    }

    [Fact]
    public async Task Unary_ManyConcurrentCalls_ShareTheChannel()
    {
        await using var server = await TestServer.StartEchoAsync();
        var channel = server.CreateChannel();

        var replies = await Task.WhenAll(Enumerable.Range(0, 200).Select(
            i => channel.UnaryAsync(EchoMethods.Echo, new EchoRequest { Text = i.ToString() })));

        Assert.Equal(Enumerable.Range(0, 200).Select(i => i.ToString()), replies.Select(reply => reply.Text));
    }
}
