package io.opentelemetry.api.trace;

/** Stub: the plugin only passes it through. */
public interface Tracer
{
}
