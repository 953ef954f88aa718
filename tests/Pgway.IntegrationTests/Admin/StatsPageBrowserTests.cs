using Microsoft.Playwright;
using Npgsql;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Admin;

/// <summary>
/// The stats page in a real headless browser (the system's chromium, driven by Playwright): it shows every
/// service and member of a live cluster, and a replica whose PostgreSQL stops turns DOWN, with an event
/// saying why, without a reload. A cluster of its own: the test stops an instance.
/// </summary>
public sealed class StatsPageBrowserTests(ITestOutputHelper output) : FreshPgTestClusterPerTest(new PgTestClusterOptions()), IDisposable
{
    /// <summary>Debian's chromium; CI installs it (.ci/run). Playwright's own browser builds are never downloaded.</summary>
    public const string Chromium = "/usr/bin/chromium";

    private const int AdminPort = 9113;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string profile = Directory.CreateTempSubdirectory("pgway-chromium-").FullName;

    /// <summary>Where the screenshot is kept: the test output's <c>artifacts/</c> folder.</summary>
    public static string ScreenshotPath => Path.Combine(AppContext.BaseDirectory, "artifacts", "stats-page.png");

    [Fact]
    public async Task StatsPage_ReplicaStops_ShownDownWithItsEventWithoutReload()
    {
        Assert.True(File.Exists(Chromium), $"the stats page test needs chromium at {Chromium}: apt-get install chromium (.ci/run installs it)");
        var replica = Cluster.Instance(2);
        // Behind basic auth, as Pigsty runs its stats page: the page's own readings of status.json must pass it too.
        await using var host = await AdminTestHost.StartAsync(Cluster, AdminPort,
            AdminTestHost.DefaultServices(Cluster, "inter 1s fastinter 500ms downinter 1s rise 2 fall 2"), runAdmin: true,
            new("haproxy_admin_username", "admin"), new("haproxy_admin_password", "pigsty"));
        // Some traffic through the pooled primary service, so the pools table has numbers.
        await using var connection = await AdminTestHost.OpenThroughAsync(Cluster, 5433);
        for (var i = 0; i < 5; i++)
        {
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_class", connection);
            await command.ExecuteScalarAsync();
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
        // A mark on the window: a reload would lose it.
        await page.EvaluateAsync("() => { window.stillTheSamePage = true; }");

        await Cluster.StopAsync(replica);

        await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "down", expect);
        await Assertions.Expect(row.Locator("[data-role=state]")).ToHaveTextAsync("DOWN");
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
        output.WriteLine($"stats page screenshots: {ScreenshotPath} {dark}");
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
