package io.exchangespool.trino;

import io.airlift.slice.Slice;
import io.airlift.slice.Slices;
import io.trino.spi.exchange.Exchange;
import io.trino.spi.exchange.ExchangeSink;
import io.trino.spi.exchange.ExchangeSinkHandle;
import io.trino.spi.exchange.ExchangeSource;
import io.trino.spi.exchange.ExchangeSourceHandle;
import io.trino.spi.exchange.ExchangeSourceOutputSelector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static io.exchangespool.trino.EngineDriver.PATIENCE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 8 concurrent sinks, each writing 64 MiB spread over 50 partitions, read back by 4 concurrent
 * sources and compared by checksum, while the plugin's reported memory stays bounded.
 *
 * <p>The bound: a sink holds its filling batch, at most two queued batches while the engine honours
 * isBlocked(), a spare batch and the message gRPC is sending: 5 batches of 1 MiB, so 40 MiB for 8
 * sinks. A source holds up to its 4 MiB buffer plus one message (at most a 16 MiB page and framing):
 * 21 MiB. Together 124 MiB for 512 MiB of data moved.
 */
@Isolated
class TestSpoolExchangeLoad
{
    private static final int MIB = 1024 * 1024;
    private static final int SINKS = 8;
    private static final int PARTITIONS = 50;
    private static final long BYTES_PER_SINK = 64L * MIB;
    private static final int SOURCES = 4;
    private static final long SINK_BOUND = 5L * MIB;
    private static final long SOURCE_BOUND = 21L * MIB;

    // Pages are windows of one random array: the engine hands Slices over and nobody writes to them.
    private static final byte[] NOISE = new byte[4 * MIB];

    static {
        new Random(42).nextBytes(NOISE);
    }

    @Test
    void eightSinksOfFiftyPartitions_readBackIntactWithinTheMemoryBound()
            throws Exception
    {
        SpoolExchangeManager manager = TestingSpoolServer.shared().createManager();
        try {
            Exchange exchange = EngineDriver.createExchange(manager, PARTITIONS, false);
            List<ExchangeSinkHandle> sinks = new ArrayList<>();
            for (int sink = 0; sink < SINKS; sink++) {
                sinks.add(exchange.addSink(sink));
            }
            exchange.noMoreSinks();

            List<CompletableFuture<Written>> writers = new ArrayList<>();
            for (int sink = 0; sink < SINKS; sink++) {
                int sinkId = sink;
                writers.add(CompletableFuture.supplyAsync(() -> write(manager, exchange, sinks.get(sinkId), sinkId)));
            }
            Checksum expected = new Checksum();
            long sinkPeaks = 0;
            for (CompletableFuture<Written> writer : writers) {
                Written written = writer.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                expected.add(written.checksum);
                sinkPeaks += written.peakMemory;
                assertTrue(written.peakMemory <= SINK_BOUND, "sink memory peaked at " + written.peakMemory);
            }
            sinks.forEach(sink -> exchange.sinkFinished(sink, 0));
            exchange.allRequiredSinksFinished();
            List<ExchangeSourceHandle> handles = EngineDriver.allHandles(exchange);

            int[][] included = new int[SINKS][];
            for (int sink = 0; sink < SINKS; sink++) {
                included[sink] = new int[] {sink, 0};
            }
            ExchangeSourceOutputSelector selector = EngineDriver.finalSelector(exchange, SINKS, included);
            List<CompletableFuture<Read>> readers = new ArrayList<>();
            for (int reader = 0; reader < SOURCES; reader++) {
                int readerId = reader;
                List<ExchangeSourceHandle> share = handles.stream().filter(handle -> handle.getPartitionId() % SOURCES == readerId).toList();
                readers.add(CompletableFuture.supplyAsync(() -> read(manager, selector, share)));
            }
            Checksum actual = new Checksum();
            long sourcePeaks = 0;
            for (CompletableFuture<Read> reader : readers) {
                Read read = reader.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                actual.add(read.checksum);
                sourcePeaks += read.peakMemory;
                assertTrue(read.peakMemory <= SOURCE_BOUND, "source memory peaked at " + read.peakMemory);
            }
            assertEquals(expected, actual);
            System.out.printf("load test: %s MiB written and read; peak memory of the 8 sinks %.1f MiB (bound %s MiB), of the 4 sources %.1f MiB (bound %s MiB)%n",
                    expected.bytes / MIB, sinkPeaks / (double) MIB, SINKS * SINK_BOUND / MIB, sourcePeaks / (double) MIB, SOURCES * SOURCE_BOUND / MIB);
            exchange.close();
        }
        finally {
            manager.shutdown();
        }
    }

    /** Pages of 4 to 260 KiB round-robin over the partitions, waiting on isBlocked() as the engine does. */
    private static Written write(SpoolExchangeManager manager, Exchange exchange, ExchangeSinkHandle sinkHandle, int sinkId)
    {
        try {
            ExchangeSink sink = manager.createSink(exchange.instantiateSink(sinkHandle, 0).get());
            Random random = new Random(sinkId);
            Checksum checksum = new Checksum();
            long peak = 0;
            long written = 0;
            for (int page = 0; written < BYTES_PER_SINK; page++) {
                int length = (int) Math.min(BYTES_PER_SINK - written, 4096 + random.nextInt(256 * 1024));
                Slice data = Slices.wrappedBuffer(NOISE, random.nextInt(NOISE.length - length), length);
                sink.isBlocked().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                sink.add(page % PARTITIONS, data);
                checksum.add(data);
                written += length;
                peak = Math.max(peak, sink.getMemoryUsage());
            }
            sink.finish().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            return new Written(checksum, peak);
        }
        catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private static Read read(SpoolExchangeManager manager, ExchangeSourceOutputSelector selector, List<ExchangeSourceHandle> handles)
    {
        ExchangeSource source = manager.createSource();
        try {
            source.setOutputSelector(selector);
            source.addSourceHandles(handles);
            source.noMoreSourceHandles();
            Checksum checksum = new Checksum();
            long peak = 0;
            while (!source.isFinished()) {
                peak = Math.max(peak, source.getMemoryUsage());
                Slice page = source.read();
                if (page == null) {
                    source.isBlocked().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                }
                else {
                    checksum.add(page);
                }
            }
            return new Read(checksum, peak);
        }
        catch (Exception e) {
            throw new RuntimeException(e);
        }
        finally {
            source.close();
        }
    }

    private record Written(Checksum checksum, long peakMemory) {}

    private record Read(Checksum checksum, long peakMemory) {}

    /** Order-independent: pages of different sinks interleave differently on each side. */
    private static final class Checksum
    {
        private long pages;
        private long bytes;
        private long crcSum;

        void add(Slice page)
        {
            CRC32 crc = new CRC32();
            crc.update(page.byteArray(), page.byteArrayOffset(), page.length());
            pages++;
            bytes += page.length();
            crcSum += crc.getValue();
        }

        void add(Checksum other)
        {
            pages += other.pages;
            bytes += other.bytes;
            crcSum += other.crcSum;
        }

        @Override
        public boolean equals(Object obj)
        {
            return obj instanceof Checksum other && pages == other.pages && bytes == other.bytes && crcSum == other.crcSum;
        }

        @Override
        public int hashCode()
        {
            return Long.hashCode(crcSum);
        }

        @Override
        public String toString()
        {
            return "%s pages, %s bytes, crc sum %s".formatted(pages, bytes, crcSum);
        }
    }
}
