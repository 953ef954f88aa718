using Microsoft.Playwright;
using Npgsql;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Admin;

/// <summary>
/// The stats page in a real headless browser (the system's chromium, driven by Playwright): it shows every
/// service and member of a live cluster, a healthy replica in the primary service as "not primary" rather than
/// DOWN, clients and servers of a <c>dest: pool</c> service apart, and charts it draws itself; a replica whose
/// PostgreSQL stops turns DOWN, with an event saying why, without a reload. A cluster of its own: the test stops an instance.
/// </summary>
public sealed class StatsPageBrowserTests(ITestOutputHelper output) : FreshPgTestClusterPerTest(new PgTestClusterOptions()), IDisposable
{
    /// <summary>Debian's chromium; CI installs it (.ci/run). Playwright's own browser builds are never downloaded.</summary>
    public const string Chromium = "/usr/bin/chromium";

    private const int AdminPort = 9113;
    private const int PoolPort = 5441;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string profile = Directory.CreateTempSubdirectory("pgway-chromium-").FullName;

    /// <summary>Where the screenshot is kept: the test output's <c>artifacts/</c> folder.</summary>
    public static string ScreenshotPath => Path.Combine(AppContext.BaseDirectory, "artifacts", "stats-page.png");

    /// <summary>The page before the replica stops: every member healthy, the replicas "not primary" in the primary service.</summary>
    public static string LiveScreenshotPath => Path.Combine(AppContext.BaseDirectory, "artifacts", "stats-page-live.png");

    [Fact]
    public async Task StatsPage_ReplicaStops_ShownDownWithItsEventWithoutReload()
    {
        Assert.True(File.Exists(Chromium), $"the stats page test needs chromium at {Chromium}: apt-get install chromium (.ci/run installs it)");
        var replica = Cluster.Instance(2);
        const string timing = "inter 1s fastinter 500ms downinter 1s rise 2 fall 2";
        // Pigsty's four services and a dest: pool one, whose pooler keeps its server connections when its clients leave.
        var services = AdminTestHost.DefaultServices(Cluster, timing)[..^1] +
            $", {{name: pool, port: {PoolPort}, ip: '{Cluster.Primary.Address}', dest: pool, selector: '[]', check: /primary, check_method: postgres, options: '{timing}'}}]";
        // Behind basic auth, as Pigsty runs its stats page: the page's own readings of status.json must pass it too.
        await using var host = await AdminTestHost.StartAsync(Cluster, AdminPort, services, runAdmin: true,
            new("haproxy_admin_username", "admin"), new("haproxy_admin_password", "pigsty"));
        // Some traffic through the pooled primary service, so the pools table has numbers.
        await using var connection = await AdminTestHost.OpenThroughAsync(Cluster, 5433);
        for (var i = 0; i < 5; i++)
        {
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_class", connection);
            await command.ExecuteScalarAsync();
        }
        // A client of the pool service that has come and gone: its server connection stays, no client does.
        await using (var pooled = await AdminTestHost.OpenThroughAsync(Cluster, PoolPort))
        {
            for (var i = 0; i < 5; i++)
            {
                await using var command = new NpgsqlCommand("SELECT 1", pooled);
                await command.ExecuteScalarAsync();
            }
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            ColorScheme = ColorScheme.Light,
            HttpCredentials = new HttpCredentials { Username = "admin", Password = "pigsty" },
        });
        var page = browser.Pages.Count > 0 ? browser.Pages[0] : await browser.NewPageAsync();
        var response = await page.GotoAsync($"http://{Cluster.Primary.Address}:{AdminPort}/");
        Assert.Equal(200, response?.Status);
        var expect = new LocatorAssertionsToHaveAttributeOptions { Timeout = (float)Patience.TotalMilliseconds };

        // Every service and every member, as the host routes them.
        foreach (var service in host.Snapshot())
        {
            var section = page.Locator($"section[data-service='{service.Service}']");
            await Assertions.Expect(section).ToBeVisibleAsync(new() { Timeout = (float)Patience.TotalMilliseconds });
            foreach (var member in service.Members)
            {
                await Assertions.Expect(section.Locator($"tr[data-member='{member.Name}']"))
                    .ToHaveAttributeAsync("data-state", member.IsUp ? "up" : "down", expect);
            }
        }
        var row = page.Locator($"section[data-service='{Cluster.Name}-replica'] tr[data-member='{Cluster.Name}-{replica.Seq}']");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "up", expect);
        var wait = new LocatorAssertionsToHaveTextOptions { Timeout = (float)Patience.TotalMilliseconds };

        // The replica answers the primary service's check and is no primary: a neutral "not primary", not a red DOWN.
        var notPrimary = page.Locator($"section[data-service='{Cluster.Name}-primary'] tr[data-member='{Cluster.Name}-{replica.Seq}']");
        await Assertions.Expect(notPrimary).ToHaveAttributeAsync("data-role-mismatch", "not primary", expect);
        await Assertions.Expect(notPrimary.Locator("[data-role=state]")).ToHaveTextAsync("not primary", wait);
        await Assertions.Expect(notPrimary).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("is-down"));

        // The pool service: no client, its servers counted apart.
        var pool = page.Locator($"section[data-service='{Cluster.Name}-pool']");
        await Assertions.Expect(pool.Locator("[data-role=clients]")).ToHaveTextAsync("clients 0", wait);
        // How many servers is StatusEndpointTests' to count: a check slow enough on a loaded machine fences the primary and closes them.
        await Assertions.Expect(pool.Locator("[data-role=servers]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^servers \d"), wait);
        await Assertions.Expect(pool.Locator("[data-role=sessions]")).ToHaveCountAsync(0);

        // Charts drawn by the page from the host's history: a few samples in every service's and member's chart.
        var someSamples = new System.Text.RegularExpressions.Regex(@"^([3-9]|\d\d+)$");
        foreach (var service in host.Snapshot())
        {
            var section = page.Locator($"section[data-service='{service.Service}']");
            foreach (var chart in new[] { "sessions", "queue", "tps" })
            {
                await Assertions.Expect(section.Locator($"figure[data-chart='{chart}']")).ToHaveCountAsync(1);
            }
            await Assertions.Expect(section.Locator("figure[data-chart='sessions']")).ToHaveAttributeAsync("data-samples", someSamples, expect);
            await Assertions.Expect(section.Locator("figure[data-chart='sessions'] svg path")).Not.ToHaveCountAsync(0);
            await Assertions.Expect(section.Locator("svg[data-chart='check']")).ToHaveCountAsync(service.Members.Length, new() { Timeout = (float)Patience.TotalMilliseconds });
        }
        await Assertions.Expect(pool.Locator("figure[data-chart='tps'] svg path")).Not.ToHaveCountAsync(0);
        // A 24-hour clock, as the CLI and the logs print it, whatever the browser's locale.
        await Assertions.Expect(page.Locator("#events time").First).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d\d:\d\d:\d\d$"), wait);
        Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = LiveScreenshotPath, FullPage = true });

        // A mark on the window: a reload would lose it.
        await page.EvaluateAsync("() => { window.stillTheSamePage = true; }");

        await Cluster.StopAsync(replica);

        await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "down", expect);
        await Assertions.Expect(row.Locator("[data-role=state]")).ToHaveTextAsync("DOWN");
        // Stopped, it no longer answers: a failure, red DOWN in the primary service too.
        await Assertions.Expect(notPrimary.Locator("[data-role=state]")).ToHaveTextAsync("DOWN", wait);
        await Assertions.Expect(notPrimary).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("is-down"), new() { Timeout = (float)Patience.TotalMilliseconds });
        var downEvent = page.Locator($"#events li[data-member='{Cluster.Name}-{replica.Seq}'][data-to='down']")
            .Filter(new() { HasText = $"{Cluster.Name}-replica/{Cluster.Name}-{replica.Seq} is DOWN" });
        await Assertions.Expect(downEvent).ToHaveCountAsync(1, new() { Timeout = (float)Patience.TotalMilliseconds });
        Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "the page was reloaded");
        await Assertions.Expect(page.Locator("#live")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("lost"));

        Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath, FullPage = true });
        // The same page in a dark desktop theme, without a reload: the page follows prefers-color-scheme.
        var dark = Path.ChangeExtension(ScreenshotPath, null) + "-dark.png";
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Dark });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = dark, FullPage = true });
        output.WriteLine($"stats page screenshots: {LiveScreenshotPath} {ScreenshotPath} {dark}");
        Assert.True(new FileInfo(ScreenshotPath).Length > 0 && new FileInfo(dark).Length > 0);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
            // A browser helper process still writing its profile as it exits: the temporary directory is left behind.
        }
    }
}
