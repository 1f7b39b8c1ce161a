package io.exchangespool.trino;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private CA made for one test class with the JDK's keytool, and a server certificate it signed
 * for 127.0.0.1, written as PEM files (as a Kubernetes TLS secret holds them) into a temporary
 * directory that {@link #close()} deletes.
 */
final class TestCertificates
        implements AutoCloseable
{
    private static final String PASSWORD = "test-only";

    private final Path directory;

    TestCertificates()
    {
        try {
            directory = Files.createTempDirectory("spool-plugin-tls-");
            keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=exchange-spool plugin test CA",
                    "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12");
            keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-file", "ca.crt");
            keytool("-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=127.0.0.1",
                    "-validity", "1", "-keystore", "server.p12");
            keytool("-certreq", "-alias", "server", "-keystore", "server.p12", "-file", "server.csr");
            keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-infile", "server.csr", "-outfile", "tls.crt",
                    "-ext", "SAN=ip:127.0.0.1", "-ext", "EKU=serverAuth", "-validity", "1");
            Files.writeString(keyFile(), pem("PRIVATE KEY", privateKey(directory.resolve("server.p12"), "server").getEncoded()));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path caFile()
    {
        return directory.resolve("ca.crt");
    }

    Path certificateFile()
    {
        return directory.resolve("tls.crt");
    }

    Path keyFile()
    {
        return directory.resolve("tls.key");
    }

    /** A token file holding the token and a trailing newline, as {@code echo} writes it. */
    Path tokenFile(String name, String token)
    {
        Path file = directory.resolve(name);
        try {
            Files.writeString(file, token + "\n");
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    @Override
    public void close()
    {
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (IOException ignored) {
            // Best effort: a temp directory left behind is harmless.
        }
    }

    private void keytool(String... arguments)
            throws IOException
    {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(arguments));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD, "-noprompt"));
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IOException("keytool " + String.join(" ", arguments) + " failed: " + output);
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException(e);
        }
    }

    private static Key privateKey(Path keyStore, String alias)
            throws IOException
    {
        try (InputStream in = Files.newInputStream(keyStore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            return store.getKey(alias, PASSWORD.toCharArray());
        }
        catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private static String pem(String type, byte[] der)
    {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
