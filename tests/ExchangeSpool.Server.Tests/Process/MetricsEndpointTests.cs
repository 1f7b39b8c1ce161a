using System.Text.RegularExpressions;

namespace ExchangeSpool.Server.Tests.Process;

public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_ServesPrometheusTextWithTheBudgetAndStreamGauges()
    {
        await using var server = await InProcessSpoolServer.StartAsync("--exchange.spool.metrics-address=127.0.0.1:0", "--exchange.spool.memory-limit=64MB");
        Assert.NotNull(server.MetricsAddress);
        Assert.NotEqual(server.Address, server.MetricsAddress);
        using var http = new HttpClient();

        var response = await http.GetAsync(new Uri(server.MetricsAddress, "/metrics"));

        Assert.True(response.IsSuccessStatusCode, $"GET /metrics answered {response.StatusCode}");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE exchangespool_memory_limit_bytes gauge", text);
        Assert.Matches(new Regex(@"^exchangespool_memory_limit_bytes\{[^}]*\} 67108864$", RegexOptions.Multiline), text);
        Assert.Matches(new Regex(@"^exchangespool_sinks_active\{[^}]*\} 0$", RegexOptions.Multiline), text);
    }

    [Fact]
    public async Task Metrics_WhenNotConfigured_AreNotServedOnAnotherPort()
    {
        await using var server = await InProcessSpoolServer.StartAsync();

        Assert.Null(server.MetricsAddress);
    }
}
