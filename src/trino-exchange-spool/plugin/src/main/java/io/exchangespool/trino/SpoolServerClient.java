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
    private final ManagedChannel channel;
    private final ExchangeSpoolGrpc.ExchangeSpoolStub stub;

    SpoolServerClient(SpoolExchangeConfig config)
    {
        this.config = requireNonNull(config, "config is null");
        this.channel = NettyChannelBuilder.forAddress(config.host(), config.port())
                .usePlaintext()
                .maxInboundMessageSize(config.maxMessageSize())
                .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                .keepAliveTime(config.keepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(config.keepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
                .build();
        this.stub = ExchangeSpoolGrpc.newStub(channel);
    }

    SpoolExchangeConfig config()
    {
        return config;
    }

    /** For control calls: each carries the configured deadline, so none waits forever. */
    ExchangeSpoolGrpc.ExchangeSpoolStub control()
    {
        return stub.withDeadlineAfter(config.controlTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    ExchangeSpoolGrpc.ExchangeSpoolBlockingStub blockingControl()
    {
        return ExchangeSpoolGrpc.newBlockingStub(channel).withDeadlineAfter(config.controlTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** For data streams, which last as long as a task writes or reads; keepalive pings detect a dead server. */
    ExchangeSpoolGrpc.ExchangeSpoolStub data()
    {
        return stub;
    }

    /** Starts a unary call and returns its answer as a future that fails with {@link #failure}. */
    <T> CompletableFuture<T> unary(String call, Consumer<StreamObserver<T>> start)
    {
        CompletableFuture<T> result = new CompletableFuture<>();
        start.accept(new StreamObserver<>()
        {
            @Override
            public void onNext(T value)
            {
                result.complete(value);
            }

            @Override
            public void onError(Throwable t)
            {
                result.completeExceptionally(failure(call, t));
            }

            @Override
            public void onCompleted()
            {
                result.completeExceptionally(failure(call, Status.INTERNAL.withDescription("no response").asRuntimeException()));
            }
        });
        return result;
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
        channel.shutdownNow();
    }
}
