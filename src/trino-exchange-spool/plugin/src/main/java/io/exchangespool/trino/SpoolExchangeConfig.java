package io.exchangespool.trino;

import io.trino.spi.TrinoException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.exchangespool.trino.SpoolErrorCode.SPOOL_CONFIGURATION_INVALID;
import static java.util.Objects.requireNonNull;

/**
 * The plugin's settings, read from the same exchange-manager.properties the exchange-spool server
 * reads. The plugin owns {@code exchange.spool.address} (shared with the server) and every key under
 * {@code exchange.spool.client.}; all other keys are the server's storage settings and are ignored
 * here (the server validates them). A bad value, or an unknown key under the client prefix (most
 * likely a typo), fails with a message naming the key.
 */
public final class SpoolExchangeConfig
{
    public static final String ADDRESS = "exchange.spool.address";
    public static final String CLIENT_PREFIX = "exchange.spool.client.";
    public static final String CONTROL_TIMEOUT = CLIENT_PREFIX + "control-timeout";
    public static final String CONNECT_TIMEOUT = CLIENT_PREFIX + "connect-timeout";
    public static final String KEEPALIVE_TIME = CLIENT_PREFIX + "keepalive-time";
    public static final String SINK_BATCH_SIZE = CLIENT_PREFIX + "sink-batch-size";
    public static final String SOURCE_BUFFER_SIZE = CLIENT_PREFIX + "source-buffer-size";
    public static final String MAX_MESSAGE_SIZE = CLIENT_PREFIX + "max-message-size";
    public static final String STREAMS_PER_CONNECTION = CLIENT_PREFIX + "streams-per-connection";
    public static final String MAX_DATA_CONNECTIONS = CLIENT_PREFIX + "max-data-connections";
    public static final String TLS_CA_FILE = CLIENT_PREFIX + "tls.ca-file";
    public static final String AUTH_TOKEN_FILE = CLIENT_PREFIX + "auth.token-file";

    private static final Pattern HOST_PORT = Pattern.compile("(?<host>[^:\\s]+|\\[[0-9a-fA-F:]+]):(?<port>\\d{1,5})");
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");
    private static final Pattern DATA_SIZE = Pattern.compile("(\\d+)\\s*(B|kB|MB|GB)");
    private static final Pattern COUNT = Pattern.compile("\\d{1,9}");
    private static final long MIB = 1024 * 1024;

    private final String host;
    private final int port;
    private final Duration controlTimeout;
    private final Duration connectTimeout;
    private final Duration keepAliveTime;
    private final int sinkBatchSize;
    private final long sourceBufferSize;
    private final int maxMessageSize;
    private final int streamsPerConnection;
    private final int maxDataConnections;
    private final Optional<Path> tlsCaFile;
    private final Optional<Path> authTokenFile;

    private SpoolExchangeConfig(Map<String, String> properties)
    {
        Map<String, String> unread = new HashMap<>();
        properties.forEach((key, value) -> {
            if (key.startsWith(CLIENT_PREFIX)) {
                unread.put(key, value);
            }
        });
        String address = properties.getOrDefault(ADDRESS, "127.0.0.1:9477").trim();
        Matcher matcher = HOST_PORT.matcher(address);
        if (!matcher.matches() || Integer.parseInt(matcher.group("port")) < 1 || Integer.parseInt(matcher.group("port")) > 65535) {
            throw invalid(ADDRESS, address, "expected host:port of the exchange-spool server, with a port from 1 to 65535");
        }
        host = matcher.group("host").replaceAll("^\\[|]$", "");
        port = Integer.parseInt(matcher.group("port"));
        controlTimeout = read(unread, CONTROL_TIMEOUT, "30s", SpoolExchangeConfig::parseDuration);
        connectTimeout = read(unread, CONNECT_TIMEOUT, "10s", SpoolExchangeConfig::parseDuration);
        keepAliveTime = read(unread, KEEPALIVE_TIME, "30s", SpoolExchangeConfig::parseDuration);
        long batch = read(unread, SINK_BATCH_SIZE, "1MB", SpoolExchangeConfig::parseDataSize);
        if (batch < 4096 || batch > 16 * MIB) {
            throw invalid(SINK_BATCH_SIZE, properties.get(SINK_BATCH_SIZE), "must be from 4kB to 16MB");
        }
        sinkBatchSize = (int) batch;
        sourceBufferSize = read(unread, SOURCE_BUFFER_SIZE, "4MB", SpoolExchangeConfig::parseDataSize);
        long message = read(unread, MAX_MESSAGE_SIZE, "32MB", SpoolExchangeConfig::parseDataSize);
        // A message carries one page of up to 16MB plus framing; the server's default is 32MB.
        if (message < 17 * MIB || message > 1024 * MIB) {
            throw invalid(MAX_MESSAGE_SIZE, properties.get(MAX_MESSAGE_SIZE), "must be from 17MB to 1GB (a message carries a page of up to 16MB)");
        }
        maxMessageSize = (int) message;
        streamsPerConnection = read(unread, STREAMS_PER_CONNECTION, "64", SpoolExchangeConfig::parseCount);
        if (streamsPerConnection > 100_000) {
            throw invalid(STREAMS_PER_CONNECTION, properties.get(STREAMS_PER_CONNECTION), "must be from 1 to 100000 (at most the server's exchange.spool.max-streams-per-connection)");
        }
        maxDataConnections = read(unread, MAX_DATA_CONNECTIONS, "8", SpoolExchangeConfig::parseCount);
        if (maxDataConnections > 64) {
            throw invalid(MAX_DATA_CONNECTIONS, properties.get(MAX_DATA_CONNECTIONS), "must be from 1 to 64");
        }
        tlsCaFile = readOptional(unread, TLS_CA_FILE, SpoolExchangeConfig::parseCaFile);
        authTokenFile = readOptional(unread, AUTH_TOKEN_FILE, path -> {
            BearerTokenFile.read(path);
            return path;
        });
        if (!unread.isEmpty()) {
            String key = unread.keySet().stream().sorted().findFirst().orElseThrow();
            throw invalid(key, unread.get(key), "unknown key; the plugin reads %s, %s, %s, %s, %s, %s, %s, %s, %s, %s and %s".formatted(
                    ADDRESS, CONTROL_TIMEOUT, CONNECT_TIMEOUT, KEEPALIVE_TIME, SINK_BATCH_SIZE, SOURCE_BUFFER_SIZE, MAX_MESSAGE_SIZE,
                    STREAMS_PER_CONNECTION, MAX_DATA_CONNECTIONS, TLS_CA_FILE, AUTH_TOKEN_FILE));
        }
    }

    public static SpoolExchangeConfig fromProperties(Map<String, String> properties)
    {
        return new SpoolExchangeConfig(requireNonNull(properties, "properties is null"));
    }

    /** host:port as configured, for messages. */
    public String address()
    {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }

    public String host()
    {
        return host;
    }

    public int port()
    {
        return port;
    }

    /** Deadline of every control call (create, plan, close, abort). */
    public Duration controlTimeout()
    {
        return controlTimeout;
    }

    public Duration connectTimeout()
    {
        return connectTimeout;
    }

    /** HTTP/2 ping interval: how soon a stream to a dead server fails (data streams have no deadline). */
    public Duration keepAliveTime()
    {
        return keepAliveTime;
    }

    public int sinkBatchSize()
    {
        return sinkBatchSize;
    }

    public long sourceBufferSize()
    {
        return sourceBufferSize;
    }

    public int maxMessageSize()
    {
        return maxMessageSize;
    }

    /** Data streams a data connection carries before another is opened (while fewer than {@link #maxDataConnections()} are open). */
    public int streamsPerConnection()
    {
        return streamsPerConnection;
    }

    /** Data connections to the server at most; beyond, streams go to the least loaded one. */
    public int maxDataConnections()
    {
        return maxDataConnections;
    }

    /** The PEM file of the CA that signed the server's certificate: TLS is used when set, plaintext (h2c) otherwise. */
    public Optional<Path> tlsCaFile()
    {
        return tlsCaFile;
    }

    /** The file holding the server's bearer token (its exchange.spool.auth.token-file), sent on every call when set. */
    public Optional<Path> authTokenFile()
    {
        return authTokenFile;
    }

    private static Optional<Path> readOptional(Map<String, String> unread, String key, Function<Path, Path> check)
    {
        String value = unread.containsKey(key) ? unread.remove(key).trim() : "";
        if (value.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(check.apply(Path.of(value)));
        }
        catch (IllegalArgumentException | UncheckedIOException e) {
            throw invalid(key, value, e.getMessage());
        }
    }

    /** Parsed once here, so that a wrong file fails the manager's creation rather than the first call. */
    private static Path parseCaFile(Path path)
    {
        try (InputStream in = Files.newInputStream(path)) {
            if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
                throw new IllegalArgumentException("holds no PEM certificate");
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot read it: " + e, e);
        }
        catch (CertificateException e) {
            throw new IllegalArgumentException("holds no PEM certificate: " + e.getMessage(), e);
        }
        return path;
    }

    private static <T> T read(Map<String, String> unread, String key, String defaultValue, Function<String, T> parser)
    {
        String value = unread.containsKey(key) ? unread.remove(key).trim() : defaultValue;
        try {
            return parser.apply(value);
        }
        catch (IllegalArgumentException e) {
            throw invalid(key, value, e.getMessage());
        }
    }

    private static Duration parseDuration(String value)
    {
        Matcher matcher = DURATION.matcher(value);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("expected a duration such as 500ms, 30s, 5m or 1h");
        }
        double amount = Double.parseDouble(matcher.group(1));
        long millisPerUnit = switch (matcher.group(2)) {
            case "ms" -> 1;
            case "s" -> 1000;
            case "m" -> 60_000;
            default -> 3_600_000;
        };
        long millis = (long) (amount * millisPerUnit);
        if (millis <= 0) {
            throw new IllegalArgumentException("must be positive");
        }
        return Duration.ofMillis(millis);
    }

    private static int parseCount(String value)
    {
        if (!COUNT.matcher(value).matches()) {
            throw new IllegalArgumentException("expected a whole number such as 8");
        }
        int count = Integer.parseInt(value);
        if (count <= 0) {
            throw new IllegalArgumentException("must be positive");
        }
        return count;
    }

    /** Data sizes are 1024-based, as in the server's settings and Trino's. */
    private static long parseDataSize(String value)
    {
        Matcher matcher = DATA_SIZE.matcher(value);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("expected a data size such as 64kB, 1MB or 1GB");
        }
        long amount = Long.parseLong(matcher.group(1));
        long unit = switch (matcher.group(2)) {
            case "B" -> 1;
            case "kB" -> 1024;
            case "MB" -> MIB;
            default -> 1024 * MIB;
        };
        if (amount <= 0) {
            throw new IllegalArgumentException("must be positive");
        }
        return Math.multiplyExact(amount, unit);
    }

    private static TrinoException invalid(String key, String value, String problem)
    {
        return new TrinoException(SPOOL_CONFIGURATION_INVALID, "Invalid exchange manager configuration: %s=%s: %s".formatted(key, value, problem));
    }
}
