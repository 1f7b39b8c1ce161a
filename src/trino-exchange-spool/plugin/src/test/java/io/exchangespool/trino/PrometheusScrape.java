package io.exchangespool.trino;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalDouble;

/** Reads one metric from a server's Prometheus text exposition at {@code /metrics}. */
final class PrometheusScrape
{
    private PrometheusScrape() {}

    /** The sum of the metric's samples over all label sets, or empty when the server does not export it. */
    static OptionalDouble value(URI metricsBase, String name)
            throws IOException, InterruptedException
    {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(metricsBase.resolve("metrics")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET %s answered %s".formatted(response.uri(), response.statusCode()));
        }
        boolean found = false;
        double sum = 0;
        for (String line : response.body().split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                found = true;
                // name{labels} value [timestamp]
                String sample = line.substring(line.startsWith(name + "{") ? line.indexOf('}') + 1 : name.length()).trim();
                sum += Double.parseDouble(sample.split("\\s+")[0]);
            }
        }
        return found ? OptionalDouble.of(sum) : OptionalDouble.empty();
    }
}
