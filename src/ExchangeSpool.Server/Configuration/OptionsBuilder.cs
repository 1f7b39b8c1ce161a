using ExchangeSpool.Core.Configuration;

namespace ExchangeSpool.Server.Configuration;

/// <summary>The options being bound; each setting replaces one property with a <c>with</c> expression.</summary>
internal sealed class OptionsBuilder
{
    public SpoolOptions Spool { get; set; } = new();

    public ServerOptions Server { get; set; } = new();

    public EncryptionOptions Encryption { get; set; } = new();
}
