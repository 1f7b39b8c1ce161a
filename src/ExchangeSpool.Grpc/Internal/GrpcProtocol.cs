namespace ExchangeSpool.Grpc.Internal;

/// <summary>Names and values fixed by the gRPC-over-HTTP/2 specification.</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string TeHeader = "te";
    public const string TeTrailers = "trailers";

    /// <summary>
    /// Accepts <c>application/grpc</c> and its <c>+format</c> / <c>;parameter</c> variants
    /// (<c>application/grpc+proto</c>), as every gRPC implementation sends one of them.
    /// </summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return contentType.Length == ContentType.Length
            || contentType[ContentType.Length] is '+' or ';';
    }
}
