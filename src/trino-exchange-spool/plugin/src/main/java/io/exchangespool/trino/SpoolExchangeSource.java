package io.exchangespool.trino;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.airlift.slice.Slice;
import io.airlift.slice.Slices;
import io.exchangespool.protocol.v1.ReadSourceRequest;
import io.exchangespool.protocol.v1.SourceExchange;
import io.exchangespool.protocol.v1.SourcePages;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.trino.spi.TrinoException;
import io.trino.spi.exchange.ExchangeId;
import io.trino.spi.exchange.ExchangeSource;
import io.trino.spi.exchange.ExchangeSourceHandle;
import io.trino.spi.exchange.ExchangeSourceOutputSelector;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;

import static java.util.Objects.requireNonNull;

/**
 * A worker's source: handles of any exchanges, read through one ReadSource stream at a time once
 * the final output selector has arrived (an earlier selector may still change which attempt is
 * read, so nothing is read before the final one). Messages are requested one at a time while fewer
 * than {@code exchange.spool.client.source-buffer-size} bytes are buffered, which is the source's
 * memory bound (plus one message). {@link #read()} never blocks: it hands out the next page as a
 * Slice over the received message's bytes, without copying it.
 */
final class SpoolExchangeSource
        implements ExchangeSource
{
    private final SpoolServerClient client;
    private final long bufferLimit;
    private final Waiters waiters = new Waiters();

    // guarded by this
    private final List<SpoolExchangeSourceHandle> pending = new ArrayList<>();
    private final Queue<ReceivedPages> received = new ArrayDeque<>();
    private ExchangeSourceOutputSelector selector;
    private boolean noMoreHandles;
    private ReadObserver reading;
    private boolean awaitingRoom;
    private TrinoException failure;
    private boolean closed;
    // Bytes of received messages that still have unread pages.
    private volatile long bufferedBytes;

    SpoolExchangeSource(SpoolServerClient client)
    {
        this.client = requireNonNull(client, "client is null");
        this.bufferLimit = client.config().sourceBufferSize();
    }

    @Override
    public void addSourceHandles(List<ExchangeSourceHandle> handles)
    {
        synchronized (this) {
            if (closed) {
                return;
            }
            handles.forEach(handle -> pending.add((SpoolExchangeSourceHandle) handle));
            startReadingIfPossible();
        }
        waiters.wakeAll();
    }

    /** Idempotent. */
    @Override
    public void noMoreSourceHandles()
    {
        synchronized (this) {
            noMoreHandles = true;
        }
        waiters.wakeAll();
    }

    /** Only the highest version counts; selectors may arrive repeatedly and out of order. */
    @Override
    public void setOutputSelector(ExchangeSourceOutputSelector newSelector)
    {
        synchronized (this) {
            if (selector == null || newSelector.getVersion() > selector.getVersion()) {
                selector = newSelector;
                startReadingIfPossible();
            }
        }
        waiters.wakeAll();
    }

    /** Each caller gets its own future: cancelling one leaves the source and the others as they were. */
    @Override
    public synchronized CompletableFuture<Void> isBlocked()
    {
        if (!received.isEmpty() || failure != null || isFinishedLocked()) {
            return NOT_BLOCKED;
        }
        return waiters.newWaiter();
    }

    @Override
    public synchronized boolean isFinished()
    {
        return isFinishedLocked();
    }

    /** The next page exactly as one sink's {@code add} wrote it, or null when none is ready. */
    @Override
    public synchronized Slice read()
    {
        if (failure != null) {
            throw failure;
        }
        ReceivedPages head = received.peek();
        if (head == null) {
            return null;
        }
        Slice page = head.next();
        if (head.isExhausted()) {
            received.poll();
            bufferedBytes -= head.length;
            if (awaitingRoom && bufferedBytes < bufferLimit && reading != null) {
                awaitingRoom = false;
                reading.requests.request(1);
            }
        }
        return page;
    }

    @Override
    public long getMemoryUsage()
    {
        return bufferedBytes;
    }

    /** At any time: cancels the stream and drops every buffered page. */
    @Override
    public void close()
    {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (reading != null) {
                reading.cancellation.cancel("exchange source closed", null);
                reading = null;
            }
            pending.clear();
            received.clear();
            bufferedBytes = 0;
        }
        waiters.wakeAll();
    }

    private boolean isFinishedLocked()
    {
        return closed || (noMoreHandles && pending.isEmpty() && reading == null && received.isEmpty() && failure == null);
    }

    // Called with the lock held.
    private void startReadingIfPossible()
    {
        if (closed || failure != null || reading != null || pending.isEmpty() || selector == null || !selector.isFinal()) {
            return;
        }
        ReadSourceRequest request;
        try {
            request = toRequest(pending);
        }
        catch (TrinoException e) {
            failure = e;
            return;
        }
        pending.clear();
        reading = new ReadObserver();
        client.readSource(request, reading);
    }

    private ReadSourceRequest toRequest(List<SpoolExchangeSourceHandle> handles)
    {
        ReadSourceRequest.Builder request = ReadSourceRequest.newBuilder();
        Map<SpoolExchangeDescriptor, Integer> exchangeIndexes = new HashMap<>();
        for (SpoolExchangeSourceHandle handle : handles) {
            Integer index = exchangeIndexes.get(handle.getExchange());
            if (index == null) {
                index = exchangeIndexes.size();
                exchangeIndexes.put(handle.getExchange(), index);
                request.addExchanges(SourceExchange.newBuilder()
                        .setExchange(handle.getExchange().descriptor())
                        .setSelectedAttempts(selectedAttempts(handle.getExchange())));
            }
            request.addHandles(handle.toProto(index));
        }
        return request.build();
    }

    /** The final selector's byte per sink (attempt, or -2 excluded), as the server expects it. */
    private ByteString selectedAttempts(SpoolExchangeDescriptor exchange)
    {
        Slice values = selector.getValues().get(new ExchangeId(exchange.exchangeId()));
        if (values == null) {
            // Trino's engine puts every exchange whose handles it gives a source into the final selector.
            throw new TrinoException(SpoolErrorCode.SPOOL_OUTPUT_SELECTOR_MISSING_EXCHANGE,
                    "Exchange contract violated by the engine: the final output selector (version %s, exchanges %s) has no entry for %s, whose source handles this source was given"
                            .formatted(selector.getVersion(), selector.getValues().keySet(), exchange));
        }
        return ByteString.copyFrom(values.byteArray(), values.byteArrayOffset(), values.length());
    }

    /** One ReadSource stream; callbacks of a stream that is no longer current are ignored. */
    private final class ReadObserver
            implements ClientResponseObserver<ReadSourceRequest, SourcePages>
    {
        private final CancelAfterAnswer cancellation = new CancelAfterAnswer();
        private ClientCallStreamObserver<ReadSourceRequest> requests;

        @Override
        public void beforeStart(ClientCallStreamObserver<ReadSourceRequest> requestStream)
        {
            requests = requestStream;
            cancellation.started(requestStream);
            // One message at a time: the next is requested while the buffer has room.
            requestStream.disableAutoRequestWithInitial(1);
        }

        @Override
        public void onNext(SourcePages message)
        {
            if (cancellation.answered()) {
                return;
            }
            ReceivedPages pages;
            try {
                pages = ReceivedPages.of(message);
            }
            catch (IllegalArgumentException e) {
                cancellation.cancel("malformed message", e);
                onError(Status.DATA_LOSS.withDescription(e.getMessage()).asRuntimeException());
                return;
            }
            synchronized (SpoolExchangeSource.this) {
                if (reading != this) {
                    return;
                }
                received.add(pages);
                bufferedBytes += pages.length;
                if (bufferedBytes < bufferLimit) {
                    requests.request(1);
                }
                else {
                    awaitingRoom = true;
                }
            }
            waiters.wakeAll();
        }

        @Override
        public void onError(Throwable t)
        {
            cancellation.ended();
            synchronized (SpoolExchangeSource.this) {
                if (reading != this) {
                    return;
                }
                reading = null;
                failure = client.failure("ReadSource", t);
                received.clear();
                bufferedBytes = 0;
            }
            waiters.wakeAll();
        }

        @Override
        public void onCompleted()
        {
            cancellation.ended();
            synchronized (SpoolExchangeSource.this) {
                if (reading != this) {
                    return;
                }
                reading = null;
                awaitingRoom = false;
                startReadingIfPossible();
            }
            waiters.wakeAll();
        }
    }

    /** The pages of one received message, handed out one by one as Slices over its bytes. */
    private static final class ReceivedPages
    {
        private final byte[] array;
        private final int end;
        private final long length;
        private int position;

        private ReceivedPages(byte[] array, int offset, int length)
        {
            this.array = array;
            this.position = offset;
            this.end = offset + length;
            this.length = array.length;
        }

        /** Checks the frames once, so that {@link #next()} cannot fail half way. */
        static ReceivedPages of(SourcePages message)
        {
            ReceivedPages pages = new ReceivedPages(message.getPages());
            int count = 0;
            int offset = pages.position;
            while (offset < pages.end) {
                if (pages.end - offset < Integer.BYTES) {
                    throw new IllegalArgumentException("ReadSource sent a truncated page frame");
                }
                int pageLength = readIntLittleEndian(pages.array, offset);
                if (pageLength < 0 || pageLength > pages.end - offset - Integer.BYTES) {
                    throw new IllegalArgumentException("ReadSource sent a page frame of %s bytes with %s left".formatted(pageLength, pages.end - offset - Integer.BYTES));
                }
                offset += Integer.BYTES + pageLength;
                count++;
            }
            if (count != message.getPageCount()) {
                throw new IllegalArgumentException("ReadSource sent %s pages in a message that says %s".formatted(count, message.getPageCount()));
            }
            return pages;
        }

        private ReceivedPages(ByteString bytes)
        {
            this(BackingArray.of(bytes));
        }

        private ReceivedPages(BackingArray backing)
        {
            this(backing.array, backing.offset, backing.length);
        }

        boolean isExhausted()
        {
            return position >= end;
        }

        Slice next()
        {
            int pageLength = readIntLittleEndian(array, position);
            Slice page = Slices.wrappedBuffer(array, position + Integer.BYTES, pageLength);
            position += Integer.BYTES + pageLength;
            return page;
        }

        private static int readIntLittleEndian(byte[] array, int offset)
        {
            return (array[offset] & 0xFF)
                    | (array[offset + 1] & 0xFF) << 8
                    | (array[offset + 2] & 0xFF) << 16
                    | (array[offset + 3] & 0xFF) << 24;
        }
    }

    /**
     * The array behind a parsed bytes field: the received message's own array, which
     * {@link SourcePagesMarshaller} lets the field alias and {@link UnsafeByteOperations#unsafeWriteTo}
     * exposes without copying; only a multi-part value (never produced by the parser) is copied.
     */
    private static final class BackingArray
            extends ByteOutput
    {
        private byte[] array = new byte[0];
        private int offset;
        private int length;
        private int parts;

        static BackingArray of(ByteString bytes)
        {
            BackingArray backing = new BackingArray();
            try {
                UnsafeByteOperations.unsafeWriteTo(bytes, backing);
            }
            catch (IOException e) {
                throw new IllegalStateException(e);
            }
            if (backing.parts > 1) {
                byte[] copy = bytes.toByteArray();
                backing.array = copy;
                backing.offset = 0;
                backing.length = copy.length;
            }
            return backing;
        }

        @Override
        public void write(byte value)
        {
            parts += 2;
        }

        @Override
        public void write(byte[] value, int offset, int length)
        {
            writeLazy(value, offset, length);
        }

        @Override
        public void writeLazy(byte[] value, int offset, int length)
        {
            array = value;
            this.offset = offset;
            this.length = length;
            parts++;
        }

        @Override
        public void write(ByteBuffer value)
        {
            parts += 2;
        }

        @Override
        public void writeLazy(ByteBuffer value)
        {
            parts += 2;
        }
    }
}
