package io.exchangespool.trino;

import io.exchangespool.protocol.v1.PlanSourceHandlesRequest;
import io.exchangespool.protocol.v1.SourceHandle;
import io.exchangespool.protocol.v1.SourceHandleBatch;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.trino.spi.TrinoException;
import io.trino.spi.exchange.ExchangeSourceHandle;
import io.trino.spi.exchange.ExchangeSourceHandleSource;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;

import static java.util.Objects.requireNonNull;

/**
 * Source handles of one exchange, planned by the server (PlanSourceHandles) from the winners the
 * exchange remembers and delivered batch by batch. At most one planning call runs at a time; it
 * starts only when the engine waits for a batch and the exchange has winners to plan.
 */
final class SpoolExchangeSourceHandleSource
        implements ExchangeSourceHandleSource
{
    private final SpoolServerClient client;
    private final SpoolExchange exchange;
    private final SpoolExchangeDescriptor descriptor;

    // guarded by this
    private final Queue<ExchangeSourceHandleBatch> ready = new ArrayDeque<>();
    private CompletableFuture<ExchangeSourceHandleBatch> waiting;
    private CancelAfterAnswer planning;
    private TrinoException failure;
    private boolean closed;

    SpoolExchangeSourceHandleSource(SpoolServerClient client, SpoolExchange exchange, SpoolExchangeDescriptor descriptor)
    {
        this.client = requireNonNull(client, "client is null");
        this.exchange = requireNonNull(exchange, "exchange is null");
        this.descriptor = requireNonNull(descriptor, "descriptor is null");
    }

    @Override
    public CompletableFuture<ExchangeSourceHandleBatch> getNextBatch()
    {
        CompletableFuture<ExchangeSourceHandleBatch> next = new CompletableFuture<>();
        synchronized (this) {
            if (waiting != null) {
                throw new IllegalStateException(descriptor + ": getNextBatch called before the previous batch completed");
            }
            waiting = next;
        }
        deliver();
        planIfWaiting();
        return next;
    }

    /** Starts a planning call if the engine waits and the exchange has something to plan. */
    void planIfWaiting()
    {
        SpoolExchange.SourcePlan plan;
        synchronized (this) {
            if (closed || failure != null || planning != null || waiting == null || !ready.isEmpty()) {
                return;
            }
            plan = exchange.takePlan();
            if (plan == null) {
                return;
            }
            if (plan.winners().isEmpty()) {
                // Every winner was planned eagerly already, or no sink finished: nothing to ask the server.
                ready.add(new ExchangeSourceHandleBatch(List.of(), true));
            }
            else {
                PlanSourceHandlesRequest request = PlanSourceHandlesRequest.newBuilder()
                        .setExchange(descriptor.descriptor())
                        .addAllWinners(plan.winners())
                        .build();
                PlanObserver observer = new PlanObserver(plan.last());
                client.control().planSourceHandles(request, observer);
            }
        }
        deliver();
    }

    @Override
    public void close()
    {
        CancelAfterAnswer call;
        synchronized (this) {
            closed = true;
            call = planning;
            planning = null;
            ready.clear();
        }
        if (call != null) {
            call.cancel("source handle source closed", null);
        }
    }

    /** Completes the waiting future, outside the lock, with the next batch or the failure. */
    private void deliver()
    {
        CompletableFuture<ExchangeSourceHandleBatch> target;
        ExchangeSourceHandleBatch batch = null;
        TrinoException error;
        synchronized (this) {
            if (waiting == null) {
                return;
            }
            error = failure;
            if (error == null) {
                batch = ready.poll();
                if (batch == null) {
                    return;
                }
            }
            target = waiting;
            waiting = null;
        }
        if (error != null) {
            target.completeExceptionally(error);
        }
        else {
            target.complete(batch);
        }
    }

    private final class PlanObserver
            implements ClientResponseObserver<PlanSourceHandlesRequest, SourceHandleBatch>
    {
        private final boolean lastPlan;
        private final CancelAfterAnswer cancellation = new CancelAfterAnswer();
        private boolean lastBatchSeen;

        private PlanObserver(boolean lastPlan)
        {
            this.lastPlan = lastPlan;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<PlanSourceHandlesRequest> requestStream)
        {
            // Runs inside planIfWaiting, under the lock, before any response can arrive.
            cancellation.started(requestStream);
            planning = cancellation;
        }

        @Override
        public void onNext(SourceHandleBatch batch)
        {
            if (cancellation.answered()) {
                return;
            }
            List<ExchangeSourceHandle> handles = new ArrayList<>(batch.getHandlesCount());
            for (SourceHandle handle : batch.getHandlesList()) {
                handles.add(SpoolExchangeSourceHandle.fromProto(descriptor, handle));
            }
            // The server's last batch ends this call; only the last plan's last batch ends the exchange.
            boolean last = lastPlan && batch.getLastBatch();
            lastBatchSeen |= batch.getLastBatch();
            synchronized (SpoolExchangeSourceHandleSource.this) {
                if (closed || (handles.isEmpty() && !last)) {
                    return;
                }
                ready.add(new ExchangeSourceHandleBatch(handles, last));
            }
            deliver();
        }

        @Override
        public void onError(Throwable t)
        {
            cancellation.ended();
            synchronized (SpoolExchangeSourceHandleSource.this) {
                planning = null;
                if (closed) {
                    return;
                }
                failure = client.failure("PlanSourceHandles for " + descriptor, t);
            }
            deliver();
        }

        @Override
        public void onCompleted()
        {
            cancellation.ended();
            synchronized (SpoolExchangeSourceHandleSource.this) {
                planning = null;
                if (!lastBatchSeen && !closed) {
                    failure = client.failure("PlanSourceHandles for " + descriptor,
                            Status.INTERNAL.withDescription("the server ended the plan without its last batch").asRuntimeException());
                }
            }
            deliver();
            planIfWaiting();
        }
    }
}
