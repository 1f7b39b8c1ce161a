namespace ExchangeSpool.ContractTests.Azure;

/// <summary>Every Azure test class is in this collection: they share one Azurite, stopped when the last of them is done.</summary>
[CollectionDefinition(Name)]
public sealed class AzureCollection : ICollectionFixture<AzureEndpointLifetime>
{
    public const string Name = "Azure";
}

public sealed class AzureEndpointLifetime : IAsyncLifetime
{
    public Task InitializeAsync() => AzureTestEndpoint.SharedAsync();

    public Task DisposeAsync() => AzureTestEndpoint.StopSharedAsync();
}
