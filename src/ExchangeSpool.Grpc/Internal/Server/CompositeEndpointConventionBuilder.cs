using Microsoft.AspNetCore.Builder;

namespace ExchangeSpool.Grpc.Internal.Server;

/// <summary>Applies conventions (authorization, host filters...) to every endpoint of a mapped service.</summary>
internal sealed class CompositeEndpointConventionBuilder : IEndpointConventionBuilder
{
    private readonly List<IEndpointConventionBuilder> _builders = [];

    public void Add(IEndpointConventionBuilder builder) => _builders.Add(builder);

    public void Add(Action<EndpointBuilder> convention)
    {
        foreach (var builder in _builders)
        {
            builder.Add(convention);
        }
    }

    public void Finally(Action<EndpointBuilder> finallyConvention)
    {
        foreach (var builder in _builders)
        {
            builder.Finally(finallyConvention);
        }
    }
}
