using ExchangeSpool.Core.Configuration;
using ExchangeSpool.Storage.S3;

namespace ExchangeSpool.Server.Configuration;

/// <summary>The options being bound; each setting replaces one property with a <c>with</c> expression.</summary>
internal sealed class OptionsBuilder
{
    public SpoolOptions Spool { get; set; } = new();

    public ServerOptions Server { get; set; } = new();

    public EncryptionOptions Encryption { get; set; } = new();

    public S3Options S3 { get; set; } = new();
}
