using ExchangeSpool.Protocol;
using Grpc.AspNetCore.Server.Model;

namespace ExchangeSpool.Server.Service;

/// <summary>
/// Binds <see cref="ExchangeSpoolService"/>'s handlers to the methods of <see cref="ExchangeSpoolMethods"/>,
/// whose page-batch marshallers generated stubs cannot express.
/// </summary>
internal sealed class ExchangeSpoolMethodProvider : IServiceMethodProvider<ExchangeSpoolService>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<ExchangeSpoolService> context)
    {
        context.AddUnaryMethod(ExchangeSpoolMethods.GetServerInfo, [], (service, request, call) => service.GetServerInfo(request, call));
        context.AddUnaryMethod(ExchangeSpoolMethods.CreateExchange, [], (service, request, call) => service.CreateExchange(request, call));
        context.AddServerStreamingMethod(ExchangeSpoolMethods.PlanSourceHandles, [],
            (service, request, responses, call) => service.PlanSourceHandles(request, responses, call));
        context.AddUnaryMethod(ExchangeSpoolMethods.CloseExchange, [], (service, request, call) => service.CloseExchange(request, call));
        context.AddClientStreamingMethod(ExchangeSpoolMethods.WriteSink, [], (service, requests, call) => service.WriteSink(requests, call));
        context.AddUnaryMethod(ExchangeSpoolMethods.AbortSink, [], (service, request, call) => service.AbortSink(request, call));
        context.AddServerStreamingMethod(ExchangeSpoolMethods.ReadSource, [],
            (service, request, responses, call) => service.ReadSource(request, responses, call));
    }
}
