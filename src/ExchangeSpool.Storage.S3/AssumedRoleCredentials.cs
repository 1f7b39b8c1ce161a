using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace ExchangeSpool.Storage.S3;

/// <summary>
/// Credentials of an assumed IAM role (<c>exchange.s3.iam-role</c>, <c>exchange.s3.external-id</c>),
/// asked from STS with the default credential chain's identity and asked again before they expire
/// (the SDK's <see cref="RefreshingAWSCredentials"/> decides when). Our own rather than the SDK's
/// AssumeRoleAWSCredentials because that one cannot be pointed at the STS of an S3-compatible store.
/// An STS client is made for each refresh (about hourly), so nothing here needs disposing.
/// </summary>
internal sealed class AssumedRoleCredentials : RefreshingAWSCredentials
{
    /// <summary>Trino's session name for the same role, so audit logs read alike.</summary>
    private const string SessionName = "trino-exchange";
    private static readonly TimeSpan RefreshAhead = TimeSpan.FromMinutes(5);

    private readonly S3Options _options;
    private readonly AssumeRoleRequest _request;

    public AssumedRoleCredentials(S3Options options)
    {
        PreemptExpiryTime = RefreshAhead;
        _options = options;
        _request = new AssumeRoleRequest { RoleArn = options.IamRole, RoleSessionName = SessionName, ExternalId = options.ExternalId };
    }

    protected override CredentialsRefreshState GenerateNewCredentials() =>
        GenerateNewCredentialsAsync().GetAwaiter().GetResult();

    protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
    {
        AssumeRoleResponse response;
        try
        {
            using var sts = new AmazonSecurityTokenServiceClient(
                S3ClientFactory.AddressedBy(new AmazonSecurityTokenServiceConfig(), _options.StsEndpoint ?? _options.Endpoint, _options));
            response = await sts.AssumeRoleAsync(_request);
        }
        catch (AmazonServiceException e)
        {
            // Keeps STS's status and code, so the S3 request that needed the credentials fails (or is retried) as that answer says.
            throw new AmazonServiceException($"STS AssumeRole of {_request.RoleArn} failed", e, e.ErrorType, e.ErrorCode, e.RequestId, e.StatusCode);
        }
        var credentials = response.Credentials;
        return new CredentialsRefreshState(
            new ImmutableCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken),
            credentials.Expiration?.ToUniversalTime() ?? DateTime.UtcNow.AddMinutes(15));
    }
}
