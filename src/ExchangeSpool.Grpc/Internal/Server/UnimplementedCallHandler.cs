using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace ExchangeSpool.Grpc.Internal.Server;

/// <summary>
/// Answers gRPC requests for methods nobody mapped with Unimplemented (HTTP 200, as the spec wants).
/// Its route only matches POSTs with a gRPC content type and has the lowest priority, so the
/// application's own endpoints are never shadowed.
/// </summary>
internal static class UnimplementedCallHandler
{
    private const string ServiceParameter = "unimplementedService";
    private const string MethodParameter = "unimplementedMethod";

    public static void MapOnce(IEndpointRouteBuilder endpoints, GrpcServerRuntime runtime)
    {
        if (runtime.UnimplementedFallbackMapped)
        {
            return;
        }

        runtime.UnimplementedFallbackMapped = true;
        var pattern = RoutePatternFactory.Parse(
            $"/{{{ServiceParameter}}}/{{{MethodParameter}}}",
            defaults: null,
            parameterPolicies: new RouteValueDictionary { [MethodParameter] = new GrpcContentTypeConstraint() });
        endpoints.Map(pattern, context => HandleAsync(context, runtime))
            .WithDisplayName("gRPC unimplemented method")
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Post]))
            .Add(builder => ((RouteEndpointBuilder)builder).Order = int.MaxValue);
    }

    private static Task HandleAsync(HttpContext httpContext, GrpcServerRuntime runtime)
    {
        if (GrpcHttpExchange.TryAccept(httpContext, runtime.Logger))
        {
            var service = httpContext.Request.RouteValues[ServiceParameter] as string ?? string.Empty;
            var detail = runtime.Methods.IsServiceKnown(service)
                ? $"Method is unimplemented: {httpContext.Request.Path}"
                : $"Service is unimplemented: {service}";
            GrpcHttpExchange.WriteStatus(httpContext.Response, new Status(StatusCode.Unimplemented, detail));
        }

        return Task.CompletedTask;
    }

    private sealed class GrpcContentTypeConstraint : IRouteConstraint
    {
        public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
            httpContext is not null && GrpcProtocol.IsGrpcContentType(httpContext.Request.ContentType);
    }
}
