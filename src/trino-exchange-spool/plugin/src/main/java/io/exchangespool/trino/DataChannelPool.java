package io.exchangespool.trino;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The data connections of a manager. The server limits the streams one connection carries at once
 * (Kestrel's MaxStreamsPerConnection, advertised as HTTP/2's SETTINGS_MAX_CONCURRENT_STREAMS), and
 * grpc-java holds a stream beyond that limit until another ends, so on one connection a worker's
 * idle sinks could keep a new sink from ever starting. Each data stream therefore goes to the
 * channel with the fewest open data streams, and another channel is opened, up to a cap, once every
 * channel carries its share. A stream counts as open from its start until its observer completes,
 * fails or is cancelled.
 */
final class DataChannelPool
        implements Closeable
{
    private final Supplier<ManagedChannel> newChannel;
    private final int streamsPerChannel;
    private final int maxChannels;

    // guarded by this
    private final List<PooledChannel> channels = new ArrayList<>();

    DataChannelPool(Supplier<ManagedChannel> newChannel, int streamsPerChannel, int maxChannels)
    {
        this.newChannel = requireNonNull(newChannel, "newChannel is null");
        this.streamsPerChannel = streamsPerChannel;
        this.maxChannels = maxChannels;
    }

    /**
     * The channel for one more data stream, and the observer to start it with, which counts the
     * stream open until its end. A channel that failed to connect (the server was down when a call
     * was last tried) fails every new call at once with the old cause until its reconnect backoff,
     * which grows to two minutes, has passed, even when the server is back: so such a channel is
     * told to reconnect now. Nothing here waits: engine threads call this, some while holding a
     * sink's or source's lock that read() needs too.
     */
    <ReqT, RespT> Stream<ReqT, RespT> open(ClientResponseObserver<ReqT, RespT> observer)
    {
        PooledChannel chosen;
        synchronized (this) {
            chosen = channels.stream().min(Comparator.comparingInt(channel -> channel.openStreams)).orElse(null);
            if (chosen == null || (chosen.openStreams >= streamsPerChannel && channels.size() < maxChannels)) {
                chosen = new PooledChannel(newChannel.get());
                channels.add(chosen);
            }
            chosen.openStreams++;
        }
        if (chosen.channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            chosen.channel.resetConnectBackoff();
        }
        return new Stream<>(chosen.channel, new CountedObserver<>(observer, chosen));
    }

    @Override
    public void close()
    {
        List<PooledChannel> closing;
        synchronized (this) {
            closing = List.copyOf(channels);
        }
        closing.forEach(pooled -> pooled.channel.shutdownNow());
    }

    private synchronized void release(PooledChannel channel)
    {
        channel.openStreams--;
    }

    /** Where to start a data stream, and the observer that keeps its count. */
    record Stream<ReqT, RespT>(ManagedChannel channel, ClientResponseObserver<ReqT, RespT> observer) {}

    private static final class PooledChannel
    {
        private final ManagedChannel channel;
        // guarded by the pool
        private int openStreams;

        private PooledChannel(ManagedChannel channel)
        {
            this.channel = channel;
        }
    }

    /** Passes everything on, and gives the stream's place back when it ends (a cancel ends in onError). */
    private final class CountedObserver<ReqT, RespT>
            implements ClientResponseObserver<ReqT, RespT>
    {
        private final ClientResponseObserver<ReqT, RespT> delegate;
        private final PooledChannel channel;
        private final AtomicBoolean ended = new AtomicBoolean();

        private CountedObserver(ClientResponseObserver<ReqT, RespT> delegate, PooledChannel channel)
        {
            this.delegate = requireNonNull(delegate, "delegate is null");
            this.channel = channel;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<ReqT> requestStream)
        {
            delegate.beforeStart(requestStream);
        }

        @Override
        public void onNext(RespT value)
        {
            delegate.onNext(value);
        }

        @Override
        public void onError(Throwable t)
        {
            end();
            delegate.onError(t);
        }

        @Override
        public void onCompleted()
        {
            end();
            delegate.onCompleted();
        }

        private void end()
        {
            if (ended.compareAndSet(false, true)) {
                release(channel);
            }
        }
    }
}
