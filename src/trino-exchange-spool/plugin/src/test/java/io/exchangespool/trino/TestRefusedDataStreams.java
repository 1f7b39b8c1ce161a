package io.exchangespool.trino;

import com.google.protobuf.ByteString;
import io.airlift.slice.Slice;
import io.exchangespool.protocol.v1.ExchangeDescriptor;
import io.exchangespool.protocol.v1.ExchangeRef;
import io.exchangespool.protocol.v1.ExchangeSettings;
import io.exchangespool.protocol.v1.SinkMessage;
import io.trino.spi.TrinoException;
import io.trino.spi.exchange.ExchangeManagerContext;
import io.trino.spi.exchange.ExchangeSink;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.exchangespool.trino.EngineDriver.PATIENCE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A sink stream the server refuses (RST_STREAM REFUSED_STREAM) after some of its messages went out.
 * The sink reuses a batch's array as soon as the batch is handed to gRPC, so a transparent retry,
 * which re-sends the kept message objects, would send other bytes than the refused stream carried:
 * whatever the server receives must be byte-exact, and a refused stream fails instead of being
 * replayed.
 */
class TestRefusedDataStreams
{
    private static final int PAGES = 64;
    private static final int MESSAGES_BEFORE_REFUSAL = 4;

    @Test
    void aRefusedSinkStream_failsAndNoByteReachingTheServerDiffersFromWhatWasWritten()
            throws Exception
    {
        try (RefusingHttp2Peer peer = new RefusingHttp2Peer(MESSAGES_BEFORE_REFUSAL)) {
            SpoolExchangeManager manager = (SpoolExchangeManager) new SpoolExchangeManagerFactory().create(Map.of(
                    SpoolExchangeConfig.ADDRESS, peer.address(),
                    SpoolExchangeConfig.CONTROL_TIMEOUT, "5s",
                    SpoolExchangeConfig.SINK_BATCH_SIZE, "4kB"), new ExchangeManagerContext() {});
            try {
                ExchangeSink sink = manager.createSink(new SpoolExchangeSinkInstanceHandle(descriptor(), 0, 0));
                List<Slice> written = new ArrayList<>();
                for (int index = 0; index < PAGES; index++) {
                    Slice page = VerifiablePages.page(index, 3000 + index);
                    written.add(page);
                    sink.isBlocked().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                    try {
                        sink.add(0, page);
                    }
                    catch (TrinoException e) {
                        // The refusal reached the sink while it wrote: it fails from here on.
                        break;
                    }
                }
                Throwable finishFailure = sink.finish().handle((ignored, failure) -> failure).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

                assertTrue(peer.refused(), "the peer never refused the stream");
                List<List<byte[]>> streams = peer.writeSinkMessages();
                for (int stream = 0; stream < streams.size(); stream++) {
                    assertPrefixOf(written, streams.get(stream), "WriteSink stream " + stream);
                }
                assertEquals(1, streams.size(), "the refused stream was replayed");
                TrinoException error = assertInstanceOf(TrinoException.class, finishFailure);
                assertEquals(SpoolErrorCode.SPOOL_SERVER_UNAVAILABLE.toErrorCode(), error.getErrorCode(), error.toString());
                assertTrue(error.getMessage().contains("REFUSED_STREAM"), error.getMessage());
            }
            finally {
                manager.shutdown();
            }
        }
    }

    /** The pages of the received messages, in order, are the first pages written, byte for byte. */
    private static void assertPrefixOf(List<Slice> written, List<byte[]> messages, String stream)
            throws Exception
    {
        int page = 0;
        for (byte[] bytes : messages) {
            SinkMessage message = SinkMessage.parseFrom(bytes);
            ByteBuffer frames = message.getPages().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int frame = 0; frame < message.getPageCount(); frame++) {
                if (frames.remaining() < 8) {
                    fail("%s: message frames end before page %s".formatted(stream, page));
                }
                int partition = frames.getInt();
                int length = frames.getInt();
                if (page >= written.size() || partition != 0 || length != written.get(page).length() || length > frames.remaining()) {
                    fail("%s: page %s arrived framed as [partition %s, %s bytes], not as it was written".formatted(stream, page, partition, length));
                }
                byte[] payload = new byte[length];
                frames.get(payload);
                assertEquals(ByteString.copyFrom(written.get(page).getBytes()), ByteString.copyFrom(payload), "%s: page %s".formatted(stream, page));
                page++;
            }
        }
    }

    private static SpoolExchangeDescriptor descriptor()
    {
        return new SpoolExchangeDescriptor(ExchangeDescriptor.newBuilder()
                .setExchange(ExchangeRef.newBuilder().setQueryId("q_refused").setExchangeId("e_refused"))
                .setPartitionCount(1)
                .setSettings(ExchangeSettings.newBuilder().setMaxPageStorageSize(16 * 1024 * 1024).setMaxOutputPartitionCount(50))
                .build());
    }
}
