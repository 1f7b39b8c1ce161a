namespace ExchangeSpool.ContractTests.S3;

/// <summary>Every S3 test class is in this collection: they share one gateway, stopped when the last of them is done.</summary>
[CollectionDefinition(Name)]
public sealed class S3Collection : ICollectionFixture<S3EndpointLifetime>
{
    public const string Name = "S3";
}

public sealed class S3EndpointLifetime : IAsyncLifetime
{
    public Task InitializeAsync() => S3TestEndpoint.SharedAsync();

    public Task DisposeAsync() => S3TestEndpoint.StopSharedAsync();
}
