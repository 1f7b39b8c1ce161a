package io.exchangespool.trino;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static java.util.Objects.requireNonNull;

/**
 * Sends the server's bearer token ({@code authorization: Bearer <token>}) on every call, read from
 * {@code exchange.spool.client.auth.token-file} as the server reads its own file: the trailing line
 * break is not part of the token. The file is read again when its modification time changes, so a
 * rotated Kubernetes secret reaches new calls without a restart. The token is never logged.
 */
final class BearerTokenFile
        implements ClientInterceptor
{
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final int MAX_LENGTH = 4096;

    private final Path path;
    private FileTime readAt;
    private String header;

    BearerTokenFile(Path path)
    {
        this.path = requireNonNull(path, "path is null");
        this.readAt = modified(path);
        this.header = "Bearer " + read(path);
    }

    /**
     * The token in the file, without its trailing line break.
     *
     * @throws UncheckedIOException the file cannot be read
     * @throws IllegalArgumentException the file holds no usable token (the message never shows its content)
     */
    static String read(Path path)
    {
        String token;
        try {
            token = Files.readString(path, StandardCharsets.UTF_8).replaceAll("[\r\n]+$", "");
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot read it: " + e, e);
        }
        if (token.isEmpty()) {
            throw new IllegalArgumentException("the token file is empty");
        }
        if (token.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("the token file holds more than " + MAX_LENGTH + " characters");
        }
        if (!token.chars().allMatch(c -> c >= '!' && c <= '~')) {
            throw new IllegalArgumentException("the token file holds spaces, line breaks or non-ASCII characters; it must hold the token alone (visible ASCII)");
        }
        return token;
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next)
    {
        String authorization = current();
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, callOptions))
        {
            @Override
            public void start(Listener<RespT> responseListener, Metadata headers)
            {
                headers.put(AUTHORIZATION, authorization);
                super.start(responseListener, headers);
            }
        };
    }

    /** The header value, read again first when the file changed; a file being rewritten (unreadable for a moment) keeps the previous token. */
    private synchronized String current()
    {
        FileTime modified = modified(path);
        if (!modified.equals(readAt)) {
            try {
                header = "Bearer " + read(path);
                readAt = modified;
            }
            catch (RuntimeException e) {
                // Tried again on the next call; the server tells which token it refuses.
            }
        }
        return header;
    }

    private static FileTime modified(Path path)
    {
        try {
            return Files.getLastModifiedTime(path);
        }
        catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }
}
