package io.exchangespool.trino;

import io.exchangespool.protocol.v1.ExchangeSpoolGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.channel.ChannelOption;
import io.trino.spi.TrinoException;

import java.io.Closeable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.exchangespool.trino.SpoolErrorCode.SPOOL_MAX_OUTPUT_PARTITION_COUNT_EXCEEDED;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_MAX_PAGE_SIZE_EXCEEDED;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_SERVER_ERROR;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_SERVER_UNAVAILABLE;
import static java.util.Objects.requireNonNull;

/**
 * The one gRPC channel of a manager to its exchange-spool server, and the translation of gRPC
 * failures into errors the engine understands, each naming the server and the call.
 */
final class SpoolServerClient
        implements Closeable
{
    static final String MAX_PARTITIONS_MESSAGE = "Max number of output partitions exceeded for exchange";

    private final SpoolExchangeConfig config;
    // Control calls use their own connection: the server answers some stream-level protocol
    // mishaps on a data connection with a GOAWAY, which must not fail unrelated control calls.
    private final ManagedChannel controlChannel;
    private final ManagedChannel dataChannel;
    private final ExchangeSpoolGrpc.ExchangeSpoolStub controlStub;
    private final ExchangeSpoolGrpc.ExchangeSpoolStub dataStub;

    SpoolServerClient(SpoolExchangeConfig config)
    {
        this.config = requireNonNull(config, "config is null");
        this.controlChannel = newChannel(config);
        this.dataChannel = newChannel(config);
        this.controlStub = ExchangeSpoolGrpc.newStub(controlChannel);
        this.dataStub = ExchangeSpoolGrpc.newStub(dataChannel);
    }

    private static ManagedChannel newChannel(SpoolExchangeConfig config)
    {
        return NettyChannelBuilder.forAddress(config.host(), config.port())
                .usePlaintext()
                .maxInboundMessageSize(config.maxMessageSize())
                .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                .keepAliveTime(config.keepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(config.keepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
                .build();
    }

    SpoolExchangeConfig config()
    {
        return config;
    }

    /** For control calls: each carries the configured deadline, so none waits forever. */
    ExchangeSpoolGrpc.ExchangeSpoolStub control()
    {
        return controlStub.withDeadlineAfter(config.controlTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** For data streams, which last as long as a task writes or reads; keepalive pings detect a dead server. */
    ExchangeSpoolGrpc.ExchangeSpoolStub data()
    {
        return dataStub;
    }

    /**
     * Starts a unary control call and returns its answer as a future that fails with {@link #failure}.
     * Every unary call of the protocol is idempotent, so a call that lost its connection (the server
     * went away, or closed the connection with a GOAWAY) is retried once on a new one.
     */
    <T> CompletableFuture<T> unary(String call, Consumer<StreamObserver<T>> start)
    {
        CompletableFuture<T> result = new CompletableFuture<>();
        start.accept(new UnaryObserver<>(call, start, result, true));
        return result;
    }

    private final class UnaryObserver<T>
            implements StreamObserver<T>
    {
        private final String call;
        private final Consumer<StreamObserver<T>> start;
        private final CompletableFuture<T> result;
        private final boolean mayRetry;

        private UnaryObserver(String call, Consumer<StreamObserver<T>> start, CompletableFuture<T> result, boolean mayRetry)
        {
            this.call = call;
            this.start = start;
            this.result = result;
            this.mayRetry = mayRetry;
        }

        @Override
        public void onNext(T value)
        {
            result.complete(value);
        }

        @Override
        public void onError(Throwable t)
        {
            if (mayRetry && lostConnection(Status.fromThrowable(t))) {
                start.accept(new UnaryObserver<>(call, start, result, false));
                return;
            }
            result.completeExceptionally(failure(call, t));
        }

        @Override
        public void onCompleted()
        {
            result.completeExceptionally(failure(call, Status.INTERNAL.withDescription("no response").asRuntimeException()));
        }
    }

    private static boolean lostConnection(Status status)
    {
        String description = status.getDescription() == null ? "" : status.getDescription();
        return (status.getCode() == Status.Code.INTERNAL && description.contains("GOAWAY"))
                || (status.getCode() == Status.Code.UNAVAILABLE && !description.contains("io exception"));
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

    /**
     * What a failed call means to the engine. The server's INVALID_ARGUMENT answers for too many
     * partitions and too large pages are user errors; everything else names the server and the
     * call so that an operator can act on it.
     */
    TrinoException failure(String call, Throwable throwable)
    {
        Throwable cause = throwable instanceof CompletionException && throwable.getCause() != null ? throwable.getCause() : throwable;
        if (cause instanceof TrinoException trinoException) {
            return trinoException;
        }
        Status status = Status.fromThrowable(cause);
        String detail = status.getDescription() == null ? status.getCode().name() : status.getCode() + ": " + status.getDescription();
        if (status.getCause() != null && status.getCause().getMessage() != null) {
            detail += " (" + status.getCause().getMessage() + ")";
        }
        if (status.getCode() == Status.Code.INVALID_ARGUMENT && status.getDescription() != null) {
            if (status.getDescription().contains(MAX_PARTITIONS_MESSAGE)) {
                return new TrinoException(SPOOL_MAX_OUTPUT_PARTITION_COUNT_EXCEEDED, status.getDescription(), cause);
            }
            if (status.getDescription().contains("exchange.max-page-storage-size")) {
                return new TrinoException(SPOOL_MAX_PAGE_SIZE_EXCEEDED, status.getDescription(), cause);
            }
        }
        String message = "exchange-spool server at %s: %s failed: %s".formatted(config.address(), call, detail);
        return switch (status.getCode()) {
            case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, UNKNOWN -> new TrinoException(SPOOL_SERVER_UNAVAILABLE, message, cause);
            default -> new TrinoException(SPOOL_SERVER_ERROR, message, cause);
        };
    }

    @Override
    public void close()
    {
        controlChannel.shutdownNow();
        dataChannel.shutdownNow();
    }
}
