package io.exchangespool.trino;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real exchange-spool server process, configured as Trino configures its exchange manager contract
 * tests (two base directories, 16MB files, 1MB handles), shared by the whole suite, or private to a
 * test class that kills and restarts it. It is stopped by its pid when the JVM exits, pass or fail.
 */
final class TestingSpoolServer
{
    private static final Pattern LISTENING = Pattern.compile("exchange-spool listening on https?://([0-9.]+):(\\d+)/");
    private static final Pattern METRICS = Pattern.compile("metrics on (http://[0-9.]+:\\d+/)");
    private static TestingSpoolServer shared;

    private final Path root;
    private final List<Path> baseDirectories;
    private final String logName;
    private final String dll;
    private final List<String> extraArguments;
    private final Map<String, String> environment;
    private volatile Process process;
    private volatile String address;
    private volatile URI metricsBase;

    private TestingSpoolServer(String logName, List<String> extraArguments, Map<String, String> environment)
            throws IOException
    {
        this.extraArguments = List.copyOf(extraArguments);
        this.environment = Map.copyOf(environment);
        dll = System.getProperty("spool.server.dll");
        if (dll == null || !Files.exists(Path.of(dll))) {
            throw new IllegalStateException("exchange-spool server not built at " + dll + " (tests/run-all.sh builds it: dotnet build ExchangeSpool.sln -c Release)");
        }
        this.logName = logName;
        Files.deleteIfExists(Path.of("target", logName));
        root = Files.createTempDirectory("spool-plugin-test-");
        baseDirectories = List.of(root.resolve("a"), root.resolve("b"));
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "stop exchange-spool of " + root));
        start("127.0.0.1:0");
    }

    /** Starts a process on the given address (port 0: any free port) with this server's base directories. */
    private void start(String listenAddress)
    {
        List<String> command = new ArrayList<>(List.of(
                "dotnet", dll,
                "--exchange.spool.address=" + listenAddress,
                "--exchange.base-directories=" + baseDirectories.stream().map(Path::toString).collect(Collectors.joining(",")),
                "--exchange.sink-max-file-size=16MB",
                "--exchange.source-handle-target-data-size=1MB",
                "--exchange.spool.memory-limit=512MB"));
        command.addAll(extraArguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        try {
            process = builder.start();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Process started = process;
        CompletableFuture<String> listening = new CompletableFuture<>();
        Thread output = new Thread(() -> pumpOutput(started, listening), "exchange-spool output " + started.pid());
        output.setDaemon(true);
        output.start();
        try {
            address = listening.get(60, TimeUnit.SECONDS);
        }
        catch (Exception e) {
            stop();
            throw new IllegalStateException("exchange-spool did not start: " + e.getMessage(), e);
        }
    }

    /**
     * A server of its own (own process, own base directories), for tests that kill or restart it;
     * {@link #close()} stops it and deletes its directories.
     */
    static TestingSpoolServer privateServer(String name)
    {
        return privateServer(name, List.of(), Map.of());
    }

    /** A private server started with more command-line settings and environment variables. */
    static TestingSpoolServer privateServer(String name, List<String> extraArguments, Map<String, String> environment)
    {
        try {
            return new TestingSpoolServer("exchange-spool-server-" + name + ".log", extraArguments, environment);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills the process by its pid (SIGKILL: a crash, no graceful shutdown) and waits until it is gone. */
    void kill()
    {
        Process current = process;
        current.destroyForcibly();
        try {
            if (!current.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("exchange-spool " + current.pid() + " did not exit after SIGKILL");
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts a new process on the same address and the same base directories, as a restarted sidecar would. */
    void restart()
    {
        if (process.isAlive()) {
            kill();
        }
        String previous = address;
        start(previous);
        if (!previous.equals(address)) {
            throw new IllegalStateException("restarted exchange-spool listens on " + address + ", not " + previous);
        }
    }

    boolean isAlive()
    {
        return process.isAlive();
    }

    /** Stops a private server and deletes its base directories. */
    void close()
    {
        if (this == shared) {
            throw new IllegalStateException("the shared server is stopped when the JVM exits");
        }
        stop();
    }

    static synchronized TestingSpoolServer shared()
    {
        if (shared == null) {
            try {
                shared = new TestingSpoolServer("exchange-spool-server.log", List.of(), Map.of());
            }
            catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    /** host:port, as exchange.spool.address takes it. */
    String address()
    {
        return address;
    }

    /** Where the server serves {@code /metrics}; started with {@code --exchange.spool.metrics-address}, else absent. */
    Optional<URI> metricsBase()
    {
        return Optional.ofNullable(metricsBase);
    }

    /**
     * The data files the server wrote for an exchange, in every base directory. Only the exchange's
     * own directories are walked: the server may be deleting other exchanges meanwhile.
     */
    List<Path> dataFiles(String exchangeId)
            throws IOException
    {
        List<Path> dataFiles = new ArrayList<>();
        for (Path baseDirectory : baseDirectories) {
            if (!Files.isDirectory(baseDirectory)) {
                continue;
            }
            List<Path> exchangeDirectories;
            try (Stream<Path> children = Files.list(baseDirectory)) {
                exchangeDirectories = children.filter(child -> child.getFileName().toString().endsWith("." + exchangeId)).toList();
            }
            for (Path directory : exchangeDirectories) {
                try (Stream<Path> files = Files.walk(directory)) {
                    files.filter(file -> file.getFileName().toString().endsWith(".data")).forEach(dataFiles::add);
                }
            }
        }
        return dataFiles;
    }

    SpoolExchangeManager createManager()
    {
        return createManager(Map.of());
    }

    SpoolExchangeManager createManager(Map<String, String> extraProperties)
    {
        Map<String, String> properties = new java.util.HashMap<>(extraProperties);
        properties.put(SpoolExchangeConfig.ADDRESS, address);
        return (SpoolExchangeManager) new SpoolExchangeManagerFactory().create(properties, new io.trino.spi.exchange.ExchangeManagerContext() {});
    }

    private void pumpOutput(Process process, CompletableFuture<String> listening)
    {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                java.io.PrintWriter log = new java.io.PrintWriter(Files.newBufferedWriter(Path.of("target", logName),
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND), true)) {
            String line;
            while ((line = reader.readLine()) != null) {
                log.println(line);
                Matcher matcher = LISTENING.matcher(line);
                if (matcher.find()) {
                    Matcher metrics = METRICS.matcher(line);
                    metricsBase = metrics.find() ? URI.create(metrics.group(1)) : null;
                    listening.complete(matcher.group(1) + ":" + matcher.group(2));
                }
                else if (!listening.isDone()) {
                    System.err.println("exchange-spool: " + line);
                }
            }
            listening.completeExceptionally(new IllegalStateException("exchange-spool exited with " + process.waitFor()));
        }
        catch (IOException | InterruptedException e) {
            listening.completeExceptionally(e);
        }
    }

    private void stop()
    {
        // By our own process handle (its pid), never by name.
        Process process = this.process;
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (IOException ignored) {
            // Best effort: a temp directory left behind is harmless.
        }
    }
}
