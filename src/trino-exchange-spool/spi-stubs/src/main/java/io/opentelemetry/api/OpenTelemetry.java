package io.opentelemetry.api;

/** Stub: the plugin only passes it through. */
public interface OpenTelemetry
{
}
