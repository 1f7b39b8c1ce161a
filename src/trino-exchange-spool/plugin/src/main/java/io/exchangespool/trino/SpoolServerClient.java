package io.exchangespool.trino;

import io.exchangespool.protocol.v1.ExchangeSpoolGrpc;
import io.exchangespool.protocol.v1.ReadSourceRequest;
import io.exchangespool.protocol.v1.SinkMessage;
import io.exchangespool.protocol.v1.SinkResult;
import io.exchangespool.protocol.v1.SourcePages;
import io.grpc.CallOptions;
import io.grpc.ConnectivityState;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.JdkAlpnClientContexts;
import io.netty.handler.ssl.SslContext;
import io.trino.spi.TrinoException;

import javax.net.ssl.TrustManagerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import static java.util.Objects.requireNonNull;

/**
 * The gRPC channels of a manager to its exchange-spool server: one for control calls and a small
 * pool for data streams ({@link DataChannelPool}), and the translation of failed calls into errors
 * the engine understands ({@link CallFailures}).
 */
final class SpoolServerClient
        implements Closeable
{
    private static final MethodDescriptor<ReadSourceRequest, SourcePages> READ_SOURCE = ExchangeSpoolGrpc.getReadSourceMethod()
            .toBuilder(ProtoUtils.marshaller(ReadSourceRequest.getDefaultInstance()), new SourcePagesMarshaller())
            .build();

    /**
     * HTTP/2 flow-control window of each data connection, per stream and for the connection
     * (grpc-java sizes both alike). Its 1MB default lets the server have barely one ~1MB ReadSource
     * message in flight on a connection that several sources share, so reads waited on window
     * updates. Bytes a source has not yet asked for stay within this window: it bounds the memory
     * held in transit for the sources of one connection together.
     */
    static final int DATA_FLOW_CONTROL_WINDOW = 8 * 1024 * 1024;

    private final SpoolExchangeConfig config;
    private final CallFailures failures;
    // TLS trusting the configured CA (the JDK's provider, which negotiates HTTP/2 by ALPN), or null for h2c.
    private final SslContext sslContext;
    private final BearerTokenFile token;
    // Control calls use a connection of their own, so that no data stream's trouble reaches them.
    private final ManagedChannel controlChannel;
    private final ExchangeSpoolGrpc.ExchangeSpoolStub controlStub;
    private final DataChannelPool dataChannels;

    SpoolServerClient(SpoolExchangeConfig config)
    {
        this.config = requireNonNull(config, "config is null");
        this.failures = new CallFailures(config.address());
        this.sslContext = config.tlsCaFile().map(SpoolServerClient::sslContext).orElse(null);
        this.token = config.authTokenFile().map(BearerTokenFile::new).orElse(null);
        this.controlChannel = newChannel(config).build();
        this.controlStub = ExchangeSpoolGrpc.newStub(controlChannel);
        // grpc-java retries a stream the server refused (REFUSED_STREAM, or GOAWAY before the server
        // read it) by sending its messages again from the message objects it keeps until the call
        // commits. A sink's message wraps a batch array that the sink reuses once the message is
        // handed over, so such a replay would send other bytes than the first attempt did. Without
        // retries, a refused data stream fails (SPOOL_SERVER_UNAVAILABLE) and the engine retries the
        // task. Control calls keep retries: their messages are immutable.
        this.dataChannels = new DataChannelPool(
                () -> newChannel(config).flowControlWindow(DATA_FLOW_CONTROL_WINDOW).disableRetry().build(),
                config.streamsPerConnection(),
                config.maxDataConnections());
    }

    private NettyChannelBuilder newChannel(SpoolExchangeConfig config)
    {
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(config.host(), config.port());
        if (sslContext != null) {
            builder.useTransportSecurity().sslContext(sslContext);
        }
        else {
            builder.usePlaintext();
        }
        if (token != null) {
            builder.intercept(token);
        }
        return builder
                .maxInboundMessageSize(config.maxMessageSize())
                .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                .keepAliveTime(config.keepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(config.keepAliveTime().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** TLS trusting only the CA in the file (a private CA, as a sidecar's certificate has), negotiating HTTP/2 by ALPN. */
    private static SslContext sslContext(Path caFile)
    {
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int index = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trusted.setCertificateEntry("ca-" + index++, certificate);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            return JdkAlpnClientContexts.forClient(trust, List.of("h2"));
        }
        catch (IOException | GeneralSecurityException e) {
            throw new TrinoException(SpoolErrorCode.SPOOL_CONFIGURATION_INVALID,
                    "Invalid exchange manager configuration: %s=%s: %s".formatted(SpoolExchangeConfig.TLS_CA_FILE, caFile, e.getMessage()), e);
        }
    }

    SpoolExchangeConfig config()
    {
        return config;
    }

    /**
     * For control streams (PlanSourceHandles): each carries the configured deadline, so none waits
     * forever. A channel that failed to connect is told to reconnect now (see
     * {@link DataChannelPool#open}), without waiting for it.
     */
    ExchangeSpoolGrpc.ExchangeSpoolStub control()
    {
        if (controlChannel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            controlChannel.resetConnectBackoff();
        }
        return controlStub.withDeadlineAfter(config.controlTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Starts a WriteSink stream on a data channel. Data streams last as long as a task writes or
     * reads, so they carry no deadline; keepalive pings detect a dead server.
     */
    StreamObserver<SinkMessage> writeSink(ClientResponseObserver<SinkMessage, SinkResult> observer)
    {
        DataChannelPool.Stream<SinkMessage, SinkResult> stream = dataChannels.open(observer);
        return ClientCalls.asyncClientStreamingCall(stream.channel().newCall(ExchangeSpoolGrpc.getWriteSinkMethod(), CallOptions.DEFAULT), stream.observer());
    }

    /** Starts a ReadSource stream on a data channel, parsing its messages with one copy ({@link SourcePagesMarshaller}). */
    void readSource(ReadSourceRequest request, ClientResponseObserver<ReadSourceRequest, SourcePages> observer)
    {
        DataChannelPool.Stream<ReadSourceRequest, SourcePages> stream = dataChannels.open(observer);
        ClientCalls.asyncServerStreamingCall(stream.channel().newCall(READ_SOURCE, CallOptions.DEFAULT), request, stream.observer());
    }

    /**
     * Starts a unary control call and returns its answer as a future that fails with {@link #failure}.
     * Each call carries the configured control deadline, retry included, so none waits forever.
     * Every unary call of the protocol is idempotent, so a call that found no connection or lost it
     * (the server went away or restarted) is retried once: the channel is told to reconnect now
     * rather than after its backoff, and the retry waits for the connection within what is left of
     * the deadline. If the retry cannot connect either, the first failure, which names the cause,
     * is reported.
     */
    <T> CompletableFuture<T> unary(String call, BiConsumer<ExchangeSpoolGrpc.ExchangeSpoolStub, StreamObserver<T>> start)
    {
        CompletableFuture<T> result = new CompletableFuture<>();
        Deadline deadline = Deadline.after(config.controlTimeout().toMillis(), TimeUnit.MILLISECONDS);
        start.accept(controlStub.withDeadline(deadline), new UnaryObserver<>(call, start, deadline, result, null));
        return result;
    }

    private final class UnaryObserver<T>
            implements StreamObserver<T>
    {
        private final String call;
        private final BiConsumer<ExchangeSpoolGrpc.ExchangeSpoolStub, StreamObserver<T>> start;
        private final Deadline deadline;
        private final CompletableFuture<T> result;
        // The first attempt's failure when this is the retry, else null.
        private final Throwable firstFailure;

        private UnaryObserver(String call, BiConsumer<ExchangeSpoolGrpc.ExchangeSpoolStub, StreamObserver<T>> start, Deadline deadline, CompletableFuture<T> result, Throwable firstFailure)
        {
            this.call = call;
            this.start = start;
            this.deadline = deadline;
            this.result = result;
            this.firstFailure = firstFailure;
        }

        @Override
        public void onNext(T value)
        {
            result.complete(value);
        }

        @Override
        public void onError(Throwable t)
        {
            if (firstFailure == null && CallFailures.isLostConnection(t) && !deadline.isExpired()) {
                controlChannel.resetConnectBackoff();
                start.accept(controlStub.withDeadline(deadline).withWaitForReady(), new UnaryObserver<>(call, start, deadline, result, t));
                return;
            }
            boolean couldNotConnect = CallFailures.isLostConnection(t) || Status.fromThrowable(t).getCode() == Status.Code.DEADLINE_EXCEEDED;
            result.completeExceptionally(failure(call, firstFailure != null && couldNotConnect ? firstFailure : t));
        }

        @Override
        public void onCompleted()
        {
            result.completeExceptionally(failure(call, Status.INTERNAL.withDescription("no response").asRuntimeException()));
        }
    }

    /** Waits for a control call, which its deadline bounds. */
    <T> T await(String call, CompletableFuture<T> future)
    {
        try {
            return future.join();
        }
        catch (CompletionException e) {
            throw failure(call, e);
        }
    }

    /** What a failed call means to the engine ({@link CallFailures}). */
    TrinoException failure(String call, Throwable throwable)
    {
        return failures.toTrinoException(call, throwable);
    }

    @Override
    public void close()
    {
        controlChannel.shutdownNow();
        dataChannels.close();
    }
}
