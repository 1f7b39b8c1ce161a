package io.exchangespool.trino;

import io.grpc.stub.ClientCallStreamObserver;

import static java.util.Objects.requireNonNull;

/**
 * Cancels a server-streaming call only once the server has answered it, so that the cancel's
 * RST_STREAM can never overtake the call's own request on the wire. netty writes RST_STREAM at once
 * but DATA frames only when it next flushes its flow controller, so a call cancelled while its
 * request is still held there sends DATA after RST_STREAM, which Kestrel treats as a connection
 * error: it sends GOAWAY and every stream on the connection fails. The server's first message
 * proves that it read the whole request, so a cancel asked for earlier waits for it (or for the
 * call's end, after which there is nothing to cancel).
 */
final class CancelAfterAnswer
{
    // guarded by this
    private ClientCallStreamObserver<?> call;
    private boolean answered;
    private boolean ended;
    private String pendingReason;

    /** From the observer's {@code beforeStart}. */
    synchronized void started(ClientCallStreamObserver<?> call)
    {
        this.call = requireNonNull(call, "call is null");
    }

    /**
     * From the observer's {@code onNext}: the server answered. Returns true when a cancel was
     * waiting for this and has now been sent, so the message must be ignored.
     */
    synchronized boolean answered()
    {
        answered = true;
        if (pendingReason == null) {
            return false;
        }
        call.cancel(pendingReason, null);
        pendingReason = null;
        return true;
    }

    /** From the observer's {@code onError} or {@code onCompleted}: nothing is left to cancel. */
    synchronized void ended()
    {
        ended = true;
        pendingReason = null;
    }

    /** Cancels now if the server has answered, otherwise as soon as it does; a no-op once the call ended. */
    synchronized void cancel(String reason, Throwable cause)
    {
        if (ended) {
            return;
        }
        if (answered) {
            call.cancel(reason, cause);
            ended = true;
        }
        else if (pendingReason == null) {
            pendingReason = reason;
        }
    }
}
