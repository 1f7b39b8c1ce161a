package io.exchangespool.trino;

import com.google.protobuf.UnsafeByteOperations;
import io.airlift.slice.Slice;
import io.exchangespool.protocol.v1.AbortSinkRequest;
import io.exchangespool.protocol.v1.AbortSinkResponse;
import io.exchangespool.protocol.v1.SinkMessage;
import io.exchangespool.protocol.v1.SinkResult;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.trino.spi.TrinoException;
import io.trino.spi.exchange.ExchangeSink;
import io.trino.spi.exchange.ExchangeSinkInstanceHandle;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;

import static io.exchangespool.trino.SpoolErrorCode.SPOOL_MAX_PAGE_SIZE_EXCEEDED;
import static io.exchangespool.trino.SpoolErrorCode.SPOOL_SINK_ABORTED;
import static java.util.Objects.requireNonNull;

/**
 * A worker's sink attempt: one WriteSink stream. Pages are framed into batches of about
 * {@code exchange.spool.client.sink-batch-size}; a full batch is sent when the stream is ready
 * (gRPC's {@code isReady()}, i.e. HTTP/2 flow control has room) and queued otherwise, and
 * {@link #isBlocked()} stays pending while a batch waits in the queue. A message wraps its batch's
 * array without a copy, and the array is reused for a later batch once the message is handed to
 * gRPC: that is safe because the stream is only written while it is ready, when grpc-java copies a
 * message into its transport buffers inside {@code onNext} (a call or stream not started yet is
 * never ready), and because data channels keep no copy for a retry (see {@link SpoolServerClient}).
 *
 * <p>All stream calls happen under this object's lock, because gRPC's call object is not thread
 * safe; engine callbacks (completing futures) run outside it.
 */
final class SpoolExchangeSink
        implements ExchangeSink
{
    private static final int FRAME_HEADER_SIZE = 8;

    private final SpoolServerClient client;
    private final SpoolExchangeSinkInstanceHandle handle;
    private final int batchSize;
    private final long maxPageSize;
    private final int partitionCount;
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private final Waiters waiters = new Waiters();
    private final ClientCallStreamObserver<SinkMessage> stream;

    // guarded by this
    private final Queue<Batch> queued = new ArrayDeque<>();
    private Batch filling;
    private byte[] spare;
    private boolean opened;
    private boolean finishing;
    // The request side is closed: the finish message went out, or an abort ended the stream.
    private boolean halfClosed;
    private boolean streamDone;
    private boolean aborted;
    private TrinoException failure;
    private CompletableFuture<Void> abortResult;
    // Bytes of the last message handed to gRPC; it sits in the transport until the stream is ready again.
    private int inTransport;
    // Every byte held: the filling batch, the queued ones, the spare buffer and inTransport.
    private volatile long memoryUsage;

    SpoolExchangeSink(SpoolServerClient client, SpoolExchangeSinkInstanceHandle handle)
    {
        this.client = requireNonNull(client, "client is null");
        this.handle = requireNonNull(handle, "handle is null");
        this.batchSize = client.config().sinkBatchSize();
        this.maxPageSize = handle.getExchange().descriptor().getSettings().getMaxPageStorageSize() - Integer.BYTES;
        this.partitionCount = handle.getExchange().partitionCount();
        synchronized (this) {
            this.stream = (ClientCallStreamObserver<SinkMessage>) client.writeSink(new ResponseObserver());
        }
    }

    @Override
    public boolean isHandleUpdateRequired()
    {
        return false;
    }

    @Override
    public void updateHandle(ExchangeSinkInstanceHandle handle)
    {
        throw new UnsupportedOperationException("spool sink instance handles never change");
    }

    @Override
    public synchronized CompletableFuture<Void> isBlocked()
    {
        if (queued.isEmpty() || aborted || failure != null) {
            return NOT_BLOCKED;
        }
        return waiters.newWaiter();
    }

    /** Copies the page into the filling batch (the Slice is ours, but framing needs the copy anyway). */
    @Override
    public void add(int partitionId, Slice data)
    {
        synchronized (this) {
            if (aborted) {
                return;
            }
            if (finishing) {
                throw new IllegalStateException(handle + ": add after finish");
            }
            if (failure != null) {
                throw failure;
            }
            if (partitionId < 0 || partitionId >= partitionCount) {
                throw new IllegalArgumentException("%s: partition %s is outside [0, %s)".formatted(handle, partitionId, partitionCount));
            }
            int length = data.length();
            if (length > maxPageSize) {
                throw new TrinoException(SPOOL_MAX_PAGE_SIZE_EXCEEDED, "Max page size of %s bytes exceeded by a page of %s bytes in %s (exchange.max-page-storage-size counts the 4-byte frame too)"
                        .formatted(maxPageSize, length, handle));
            }
            int frameSize = FRAME_HEADER_SIZE + length;
            if (filling != null && filling.remaining() < frameSize) {
                queue(filling);
                filling = null;
            }
            if (filling == null) {
                filling = newBatch(frameSize);
            }
            filling.append(partitionId, data);
            sendWhileReady();
        }
    }

    @Override
    public long getMemoryUsage()
    {
        return memoryUsage;
    }

    /** Sends the rest with {@code finish = true}; completes once the server wrote the commit manifest. */
    @Override
    public CompletableFuture<Void> finish()
    {
        synchronized (this) {
            if (aborted || finishing) {
                throw new IllegalStateException(handle + ": finish after " + (aborted ? "abort" : "finish"));
            }
            finishing = true;
            if (failure == null) {
                Batch last = filling == null ? newBatch(0) : filling;
                filling = null;
                last.finish = true;
                queue(last);
            }
        }
        // A stream that failed before finish leaves nothing to commit: clean up and report it.
        TrinoException earlier;
        synchronized (this) {
            earlier = failure;
        }
        if (earlier != null) {
            failFinish(earlier);
        }
        return finished;
    }

    /**
     * Ends the stream, frees every buffer and asks the server to abort the attempt. The server
     * never deletes an attempt that committed (its answer says so), so an abort racing finish is
     * safe; when it answers "committed", the finish future completes normally.
     */
    @Override
    public CompletableFuture<Void> abort()
    {
        synchronized (this) {
            if (abortResult != null) {
                return abortResult;
            }
            aborted = true;
            releaseBuffers();
            if (finished.isDone() && !finished.isCompletedExceptionally()) {
                abortResult = NOT_BLOCKED;
                return abortResult;
            }
            if (!streamDone && !halfClosed) {
                endUnfinishedStream();
            }
            abortResult = abortOnServer().thenAccept(response -> {
                        if (response.getCommitted()) {
                            finished.complete(null);
                        }
                        else {
                            finished.completeExceptionally(new TrinoException(SPOOL_SINK_ABORTED, handle + " was aborted"));
                        }
                    });
        }
        waiters.wakeAll();
        return abortResult;
    }

    @Override
    public String toString()
    {
        return handle.toString();
    }

    // Called with the lock held.
    private void queue(Batch batch)
    {
        queued.add(batch);
        sendWhileReady();
    }

    // Called with the lock held (also from gRPC's on-ready callback).
    private void sendWhileReady()
    {
        while (!queued.isEmpty() && !streamDone && !aborted && stream.isReady()) {
            Batch batch = queued.poll();
            SinkMessage.Builder message = SinkMessage.newBuilder()
                    .setPageCount(batch.pageCount)
                    .setPages(UnsafeByteOperations.unsafeWrap(batch.buffer, 0, batch.length))
                    .setFinish(batch.finish);
            if (!opened) {
                message.setOpen(handle.toSinkOpen());
                opened = true;
            }
            stream.onNext(message.build());
            inTransport = batch.length;
            recycle(batch.buffer);
            if (batch.finish) {
                stream.onCompleted();
                halfClosed = true;
            }
        }
        updateMemoryUsage();
    }

    /**
     * Ends a stream that has not sent its finish message, so the server aborts the attempt. Once a
     * message went out the stream is half-closed, never cancelled: netty writes a cancel's
     * RST_STREAM at once but the DATA frames it still holds for the stream only at its next flush,
     * so a cancel puts DATA after RST_STREAM on the wire, which Kestrel answers with a connection
     * error (GOAWAY) that fails every stream on the connection. The end of stream queues behind
     * those DATA frames instead. A stream that sent nothing has no DATA to overtake and is cancelled.
     */
    // Called with the lock held.
    private void endUnfinishedStream()
    {
        if (opened) {
            stream.onCompleted();
        }
        else {
            stream.cancel("aborted by the engine", null);
        }
        halfClosed = true;
    }

    private Batch newBatch(int frameSize)
    {
        byte[] buffer;
        if (frameSize <= batchSize && spare != null) {
            buffer = spare;
            spare = null;
        }
        else {
            buffer = new byte[Math.max(frameSize, batchSize)];
        }
        return new Batch(buffer);
    }

    private void recycle(byte[] buffer)
    {
        if (spare == null && buffer.length == batchSize) {
            spare = buffer;
        }
    }

    private void releaseBuffers()
    {
        filling = null;
        queued.clear();
        spare = null;
        inTransport = 0;
        updateMemoryUsage();
    }

    private void updateMemoryUsage()
    {
        long bytes = inTransport;
        if (filling != null) {
            bytes += filling.buffer.length;
        }
        for (Batch batch : queued) {
            bytes += batch.buffer.length;
        }
        if (spare != null) {
            bytes += spare.length;
        }
        memoryUsage = bytes;
    }

    /** A failed finish cleans up itself (the engine will not call abort): the server deletes the attempt. */
    private void failFinish(TrinoException error)
    {
        abortOnServer().whenComplete((response, ignored) -> finished.completeExceptionally(error));
    }

    /** Deletes the attempt unless it committed; the answer says which. */
    private CompletableFuture<AbortSinkResponse> abortOnServer()
    {
        AbortSinkRequest request = AbortSinkRequest.newBuilder()
                .setExchange(handle.getExchange().descriptor())
                .setSinkId(handle.getSinkId())
                .setAttemptId(handle.getAttemptId())
                .build();
        return client.<AbortSinkResponse>unary("AbortSink for " + handle, (stub, observer) -> stub.abortSink(request, observer));
    }

    private final class ResponseObserver
            implements ClientResponseObserver<SinkMessage, SinkResult>
    {
        @Override
        public void beforeStart(ClientCallStreamObserver<SinkMessage> requestStream)
        {
            requestStream.setOnReadyHandler(this::onReady);
        }

        private void onReady()
        {
            boolean unblocked;
            synchronized (SpoolExchangeSink.this) {
                inTransport = 0;
                sendWhileReady();
                unblocked = queued.isEmpty();
            }
            if (unblocked) {
                waiters.wakeAll();
            }
        }

        @Override
        public void onNext(SinkResult result) {}

        /**
         * The call is over; it is not cancelled: when the server ends a stream that was not
         * half-closed yet, grpc-java resets it itself, and another reset would only be a second
         * RST_STREAM on a closed stream.
         */
        @Override
        public void onError(Throwable t)
        {
            boolean finishFailed;
            TrinoException error = client.failure("WriteSink for " + handle, t);
            synchronized (SpoolExchangeSink.this) {
                streamDone = true;
                if (aborted) {
                    // The abort path decides how finish ends, from the server's answer.
                    return;
                }
                failure = error;
                releaseBuffers();
                finishFailed = finishing;
            }
            waiters.wakeAll();
            if (finishFailed) {
                failFinish(error);
            }
        }

        @Override
        public void onCompleted()
        {
            synchronized (SpoolExchangeSink.this) {
                streamDone = true;
                releaseBuffers();
            }
            finished.complete(null);
        }
    }

    /** A message being filled: frames of [int32 LE partition][int32 LE length][payload]. */
    private static final class Batch
    {
        private final byte[] buffer;
        private int length;
        private int pageCount;
        private boolean finish;

        private Batch(byte[] buffer)
        {
            this.buffer = buffer;
        }

        private int remaining()
        {
            return buffer.length - length;
        }

        private void append(int partitionId, Slice page)
        {
            writeIntLittleEndian(buffer, length, partitionId);
            writeIntLittleEndian(buffer, length + 4, page.length());
            System.arraycopy(page.byteArray(), page.byteArrayOffset(), buffer, length + FRAME_HEADER_SIZE, page.length());
            length += FRAME_HEADER_SIZE + page.length();
            pageCount++;
        }

        private static void writeIntLittleEndian(byte[] target, int offset, int value)
        {
            target[offset] = (byte) value;
            target[offset + 1] = (byte) (value >>> 8);
            target[offset + 2] = (byte) (value >>> 16);
            target[offset + 3] = (byte) (value >>> 24);
        }
    }
}
