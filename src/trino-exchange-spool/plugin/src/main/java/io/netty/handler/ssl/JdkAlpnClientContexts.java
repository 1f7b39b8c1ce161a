package io.netty.handler.ssl;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import java.security.GeneralSecurityException;
import java.util.List;

/**
 * Client TLS contexts on the JDK's own provider that negotiate HTTP/2 by ALPN. Netty's
 * {@code SslContextBuilder} does this with {@code JdkAlpnApplicationProtocolNegotiator}, which
 * Debian's netty 4.1.48 (the one this plugin is built with here) leaves out, so that every JDK
 * context with ALPN fails with "JDK provider does not support ALPN protocol". The JDK 9+ engine
 * that class would use ({@link Java9SslEngine}) is still there; this wires it in the same way. It
 * lives in Netty's package because that engine and the context constructor taking a negotiator are
 * package-private; the plugin jar relocates it with the rest of Netty.
 */
public final class JdkAlpnClientContexts
{
    private JdkAlpnClientContexts() {}

    /** A client context trusting the given trust managers that offers {@code protocols} by ALPN and fails the handshake when the server picks none of them. */
    public static SslContext forClient(TrustManagerFactory trust, List<String> protocols)
            throws GeneralSecurityException
    {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        JdkApplicationProtocolNegotiator negotiator = new JdkBaseApplicationProtocolNegotiator(
                Java9SslEngine::new,
                JdkBaseApplicationProtocolNegotiator.FAIL_SELECTOR_FACTORY,
                JdkBaseApplicationProtocolNegotiator.FAIL_SELECTION_LISTENER_FACTORY,
                protocols);
        return new JdkSslContext(context, true, null, IdentityCipherSuiteFilter.INSTANCE, negotiator, ClientAuth.NONE, null, false);
    }
}
