import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.GZIPInputStream;

/**
 * Build check (run by Maven in the verify phase): the plugin jar must not carry any class of the
 * packages Trino provides to plugins, every bundled class must be relocated under our package, the
 * plugin and gRPC service files must be there, and the archive must hold exactly the jar.
 * Usage: java CheckPluginArchive.java <plugin jar> <plugin directory archive (.tar.gz)>
 */
public class CheckPluginArchive
{
    private static final List<String> PROVIDED = List.of(
            "io/trino/spi/", "io/airlift/slice/", "com/fasterxml/jackson/annotation/", "io/opentelemetry/api/", "io/opentelemetry/context/");
    private static final String OURS = "io/exchangespool/";

    public static void main(String[] args)
            throws IOException
    {
        Path jar = Path.of(args[0]);
        Path archive = Path.of(args[1]);
        List<String> problems = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            file.stream().map(entry -> entry.getName()).forEach(name -> {
                String path = name.startsWith("META-INF/versions/") ? name.replaceFirst("META-INF/versions/\\d+/", "") : name;
                if (PROVIDED.stream().anyMatch(path::startsWith)) {
                    problems.add("a class of a package Trino provides: " + name);
                }
                else if (path.endsWith(".class") && !path.startsWith(OURS)) {
                    problems.add("a class outside " + OURS + " (not relocated): " + name);
                }
            });
            String plugin = read(file, "META-INF/services/io.trino.spi.Plugin");
            if (plugin == null || !plugin.contains("io.exchangespool.trino.SpoolPlugin")) {
                problems.add("META-INF/services/io.trino.spi.Plugin does not name io.exchangespool.trino.SpoolPlugin");
            }
            if (read(file, "META-INF/services/io.exchangespool.trino.shaded.io.grpc.NameResolverProvider") == null) {
                problems.add("no relocated gRPC NameResolverProvider service file (is the ServicesResourceTransformer configured?)");
            }
        }
        List<String> archived = tarEntries(archive);
        if (!archived.equals(List.of(jar.getFileName().toString()))) {
            problems.add("%s holds %s; expected exactly [%s]".formatted(archive.getFileName(), archived, jar.getFileName()));
        }
        if (!problems.isEmpty()) {
            problems.forEach(problem -> System.err.println("CheckPluginArchive: " + problem));
            System.exit(1);
        }
        System.out.println("CheckPluginArchive: %s and %s are fine".formatted(jar.getFileName(), archive.getFileName()));
    }

    private static String read(JarFile file, String name)
            throws IOException
    {
        var entry = file.getEntry(name);
        if (entry == null) {
            return null;
        }
        try (InputStream in = file.getInputStream(entry)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Regular files in a ustar archive (directories skipped), in archive order. */
    private static List<String> tarEntries(Path archive)
            throws IOException
    {
        List<String> names = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(archive)))) {
            byte[] header = new byte[512];
            while (true) {
                try {
                    in.readFully(header);
                }
                catch (EOFException e) {
                    break;
                }
                String name = field(header, 0, 100);
                if (name.isEmpty()) {
                    break;
                }
                String prefix = field(header, 345, 155);
                long size = Long.parseLong(field(header, 124, 12).trim(), 8);
                char type = (char) header[156];
                String fullName = prefix.isEmpty() ? name : prefix + "/" + name;
                if (type == '0' || type == '\0') {
                    names.add(fullName.replaceFirst("^\\./", ""));
                }
                in.skipNBytes((size + 511) / 512 * 512);
            }
        }
        return Collections.unmodifiableList(names);
    }

    private static String field(byte[] header, int offset, int length)
    {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
    }
}
