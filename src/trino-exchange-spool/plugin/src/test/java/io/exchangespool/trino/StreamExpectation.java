package io.exchangespool.trino;

import io.trino.spi.TrinoException;

import java.util.Set;

/** How a stream must end; {@link #check} names what is wrong with an end, or returns null. */
interface StreamExpectation
{
    /** @param failure what the stream failed with, or null when it succeeded */
    String check(Throwable failure);

    static StreamExpectation succeeds()
    {
        return failure -> failure == null ? null : "failed: " + describe(failure);
    }

    /** Fails with the engine error {@code code} from a server answer with one of the {@code reasons}. */
    static StreamExpectation failsWith(SpoolErrorCode code, String... reasons)
    {
        return failure -> {
            if (!hasCode(failure, code)) {
                return "expected %s %s, %s".formatted(code, Set.of(reasons), outcome(failure));
            }
            String reason = ServerErrorReason.reasonOf(failure.getCause()).orElse(null);
            return reason != null && Set.of(reasons).contains(reason) ? null : "expected one of the reasons %s, got %s: %s".formatted(Set.of(reasons), reason, describe(failure));
        };
    }

    /** Fails with the engine error {@code code} that the plugin raised without asking the server. */
    static StreamExpectation failsInThePlugin(SpoolErrorCode code)
    {
        return failure -> hasCode(failure, code) && failure.getCause() == null ? null : "expected %s from the plugin, %s".formatted(code, outcome(failure));
    }

    static StreamExpectation throwsInThePlugin(Class<? extends RuntimeException> type)
    {
        return failure -> type.isInstance(failure) ? null : "expected %s, %s".formatted(type.getSimpleName(), outcome(failure));
    }

    static StreamExpectation succeedsOr(StreamExpectation failing)
    {
        return failure -> failure == null ? null : failing.check(failure);
    }

    default StreamExpectation or(StreamExpectation other)
    {
        return failure -> {
            String problem = check(failure);
            return problem == null || other.check(failure) == null ? null : problem;
        };
    }

    private static boolean hasCode(Throwable failure, SpoolErrorCode code)
    {
        return failure instanceof TrinoException trinoException && trinoException.getErrorCode().equals(code.toErrorCode());
    }

    private static String outcome(Throwable failure)
    {
        return failure == null ? "succeeded" : "failed: " + describe(failure);
    }

    private static String describe(Throwable failure)
    {
        StringBuilder text = new StringBuilder(failure.toString());
        for (Throwable cause = failure.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            text.append(" <- ").append(cause);
        }
        return text.toString();
    }
}
