package io.exchangespool.trino;

import com.google.protobuf.CodedInputStream;
import io.exchangespool.protocol.v1.SourcePages;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

import java.io.IOException;
import java.io.InputStream;

/**
 * Parses a ReadSource message with one copy: the message's bytes are read from gRPC's transport
 * buffers into one new array, and its {@code pages} field aliases that array. gRPC's own protobuf
 * marshaller copies twice (into a reused scratch array, then the field into an array of its own);
 * the pages are handed to the engine as Slices over the field's array, so it must be new and not
 * reused.
 */
final class SourcePagesMarshaller
        implements MethodDescriptor.Marshaller<SourcePages>
{
    @Override
    public InputStream stream(SourcePages value)
    {
        return value.toByteString().newInput();
    }

    @Override
    public SourcePages parse(InputStream stream)
    {
        try {
            byte[] message = readMessage(stream);
            CodedInputStream input = CodedInputStream.newInstance(message);
            input.enableAliasing(true);
            return SourcePages.parseFrom(input);
        }
        catch (IOException e) {
            throw Status.INTERNAL.withDescription("ReadSource sent a message that does not parse").withCause(e).asRuntimeException();
        }
    }

    /** gRPC's message streams know their length; reading into an array of that size is the one copy. */
    private static byte[] readMessage(InputStream stream)
            throws IOException
    {
        if (!(stream instanceof KnownLength)) {
            return stream.readAllBytes();
        }
        byte[] message = new byte[stream.available()];
        int read = stream.readNBytes(message, 0, message.length);
        if (read != message.length || stream.read() != -1) {
            throw new IOException("message length changed while it was read");
        }
        return message;
    }
}
