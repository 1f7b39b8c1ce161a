using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace ExchangeSpool.Storage.S3;

/// <summary>Builds the S3 client of one bucket from the options.</summary>
internal static class S3ClientFactory
{
    public static AmazonS3Client Create(S3Options options)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.PathStyleAccess,
            // Retries are S3RetryPolicy's: bounded in time, counted, and never a token bucket shared across buckets.
            MaxErrorRetry = 0,
            Timeout = options.RequestTimeout,
        };
        AddressedBy(config, options.Endpoint, options);
        if (options.Endpoint is not null)
        {
            // S3-compatible servers (Ceph RGW, older MinIO) reject the SDK's default trailing checksums;
            // every block carries our own CRC32C or GCM tag anyway.
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }
        return options switch
        {
            { AccessKey: { } accessKey } => new AmazonS3Client(new BasicAWSCredentials(accessKey, options.SecretKey), config),
            { IamRole: not null } => new AmazonS3Client(new AssumedRoleCredentials(options), config),
            _ => new AmazonS3Client(config),
        };
    }

    /// <summary>
    /// Points an AWS client (S3, or STS for an assumed role) at <paramref name="endpoint"/>, signing for
    /// the configured region, or at AWS in that region; trusts the configured private CA.
    /// </summary>
    public static T AddressedBy<T>(T config, Uri? endpoint, S3Options options) where T : ClientConfig
    {
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.ToString();
            if (options.Region is { } region)
                config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }
        if (options.CaCertificateFile is { } caFile)
            config.HttpClientFactory = new PrivateCaHttpClientFactory(caFile);
        return config;
    }
}
