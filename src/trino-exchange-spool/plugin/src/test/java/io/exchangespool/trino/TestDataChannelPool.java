package io.exchangespool.trino;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which data channel each new stream gets: no connection is made, the channels are only counted. */
class TestDataChannelPool
{
    private final List<ManagedChannel> opened = new ArrayList<>();

    @AfterEach
    void shutdownChannels()
    {
        opened.forEach(ManagedChannel::shutdownNow);
    }

    @Test
    void aChannelIsOpenedOnlyWhenEveryChannelCarriesItsShare_andStreamsGoToTheLeastLoaded()
    {
        DataChannelPool pool = pool(2, 8);

        ManagedChannel first = open(pool).channel();
        assertSame(first, open(pool).channel());
        ManagedChannel second = open(pool).channel();
        assertEquals(2, opened.size());
        assertSame(second, open(pool).channel());
        ManagedChannel third = open(pool).channel();

        assertEquals(List.of(first, second, third), opened);
    }

    @Test
    void atTheCap_streamsShareTheLeastLoadedChannel()
    {
        DataChannelPool pool = pool(1, 2);

        ManagedChannel first = open(pool).channel();
        ManagedChannel second = open(pool).channel();
        assertSame(first, open(pool).channel());
        assertSame(second, open(pool).channel());

        assertEquals(2, opened.size());
    }

    @Test
    void aStreamThatEnds_givesItsPlaceBackOnce()
    {
        DataChannelPool pool = pool(2, 8);
        DataChannelPool.Stream<String, String> completed = open(pool);
        DataChannelPool.Stream<String, String> failed = open(pool);

        completed.observer().onCompleted();
        failed.observer().onError(Status.CANCELLED.asRuntimeException());
        // A second end of the same stream must not free a place it no longer holds.
        failed.observer().onError(Status.CANCELLED.asRuntimeException());
        open(pool);
        open(pool);
        assertEquals(1, opened.size());
        open(pool);

        assertEquals(2, opened.size());
    }

    @Test
    void closing_shutsEveryChannelDown()
    {
        DataChannelPool pool = pool(1, 8);
        open(pool);
        open(pool);

        pool.close();

        assertTrue(opened.stream().allMatch(ManagedChannel::isShutdown));
    }

    private DataChannelPool pool(int streamsPerChannel, int maxChannels)
    {
        return new DataChannelPool(() -> {
            ManagedChannel channel = InProcessChannelBuilder.forName("no server").build();
            opened.add(channel);
            return channel;
        }, streamsPerChannel, maxChannels);
    }

    private static DataChannelPool.Stream<String, String> open(DataChannelPool pool)
    {
        return pool.open(new ClientResponseObserver<String, String>()
        {
            @Override
            public void beforeStart(ClientCallStreamObserver<String> requestStream) {}

            @Override
            public void onNext(String value) {}

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        });
    }
}
