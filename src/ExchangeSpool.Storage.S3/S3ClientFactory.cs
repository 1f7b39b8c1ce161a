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
        if (options.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            if (options.Region is { } region)
                config.AuthenticationRegion = region;
            // S3-compatible servers (Ceph RGW, older MinIO) reject the SDK's default trailing checksums;
            // every block carries our own CRC32C or GCM tag anyway.
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }
        if (options.CaCertificateFile is { } caFile)
            config.HttpClientFactory = new PrivateCaHttpClientFactory(caFile);
        return options switch
        {
            { AccessKey: { } accessKey } => new AmazonS3Client(new BasicAWSCredentials(accessKey, options.SecretKey), config),
            { IamRole: not null } => new AmazonS3Client(new AssumedRoleCredentials(options), config),
            _ => new AmazonS3Client(config),
        };
    }
}
