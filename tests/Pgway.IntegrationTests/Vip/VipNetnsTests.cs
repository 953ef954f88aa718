using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Pgway.IntegrationTests.Testing;

namespace Pgway.IntegrationTests.Vip;

/// <summary>
/// The VIP's network side against the kernel: two network namespaces joined by a veth pair on a documentation
/// range (198.51.100.0/24, no route out); <c>pgway vip up</c> runs in one and must add the address and announce it,
/// so that the other namespace's neighbour table, primed with a stale MAC, learns the real one from the gratuitous
/// ARP alone, and <c>arping</c> from there is answered by that MAC; <c>pgway vip down</c> takes it away again.
/// </summary>
public sealed partial class VipNetnsTests : IAsyncLifetime
{
    private const string Vip = "198.51.100.50";
    private const string StaleMac = "02:00:00:00:00:01";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    // Named after this process, so parallel runs never share a namespace and a killed run's leftovers are recognisable.
    private readonly string holder = $"pgvip{Environment.ProcessId}h";
    private readonly string neighbour = $"pgvip{Environment.ProcessId}n";
    private readonly string holderLink = $"pgv{Environment.ProcessId}h";
    private readonly string neighbourLink = $"pgv{Environment.ProcessId}n";

    public async Task InitializeAsync()
    {
        await DisposeAsync();
        await Ip("netns", "add", holder);
        await Ip("netns", "add", neighbour);
        await Ip("link", "add", holderLink, "type", "veth", "peer", "name", neighbourLink);
        await Ip("link", "set", holderLink, "netns", holder);
        await Ip("link", "set", neighbourLink, "netns", neighbour);
        await Ip("-n", holder, "addr", "add", "198.51.100.1/24", "dev", holderLink);
        await Ip("-n", neighbour, "addr", "add", "198.51.100.2/24", "dev", neighbourLink);
        await Ip("-n", holder, "link", "set", holderLink, "up");
        await Ip("-n", neighbour, "link", "set", neighbourLink, "up");
    }

    public async Task DisposeAsync()
    {
        // Deleting a namespace deletes the veth end in it, and with it the peer.
        foreach (var name in (string[])[holder, neighbour])
        {
            if ((await RunAsync("ip", ["netns", "list"])).Output.Contains(name, StringComparison.Ordinal))
            {
                await RunAsync("ip", ["netns", "del", name]);
            }
        }
    }

    [NetnsFact]
    public async Task VipUp_NeighbourWithStaleEntry_LearnsOurMacFromTheGratuitousArpAndArpingReachesIt()
    {
        var mac = MacOf((await Ip("-n", holder, "link", "show", holderLink)).Output);
        await Ip("-n", neighbour, "neigh", "replace", Vip, "dev", neighbourLink, "lladdr", StaleMac, "nud", "stale");

        var up = await RunAsync("ip", ["netns", "exec", holder, .. Pgway("vip", "up", $"{Vip}/24", "--interface", holderLink)]);

        Assert.True(up.Code == 0, up.Output);
        Assert.Contains($"inet {Vip}/24", (await Ip("-n", holder, "addr", "show", "dev", holderLink)).Output, StringComparison.Ordinal);
        // Before anything in the neighbour namespace asks: only the announcement can have told it.
        await Eventually.HoldsAsync(async () => (await Ip("-n", neighbour, "neigh", "show", Vip)).Output.Contains(mac, StringComparison.OrdinalIgnoreCase),
            TimeSpan.FromSeconds(30), () => $"neighbour entry: {Ip("-n", neighbour, "neigh", "show", Vip).Result.Output}");
        var arping = await RunAsync("ip", ["netns", "exec", neighbour, "arping", "-c", "2", "-w", "10", "-I", neighbourLink, Vip]);
        Assert.True(arping.Code == 0, arping.Output);
        Assert.Contains($"[{mac.ToUpperInvariant()}]", arping.Output, StringComparison.Ordinal);

        var down = await RunAsync("ip", ["netns", "exec", holder, .. Pgway("vip", "down", $"{Vip}/24", "--interface", holderLink)]);

        Assert.True(down.Code == 0, down.Output);
        Assert.DoesNotContain(Vip, (await Ip("-n", holder, "addr", "show", "dev", holderLink)).Output, StringComparison.Ordinal);
        var gone = await RunAsync("ip", ["netns", "exec", neighbour, "arping", "-c", "1", "-w", "2", "-I", neighbourLink, Vip]);
        Assert.True(gone.Code != 0, gone.Output);
    }

    [NetnsFact]
    public async Task VipUpIPv6_NeighbourWithStaleEntry_LearnsOurMacFromTheUnsolicitedAdvertisement()
    {
        const string vip6 = "fd00:db8::50";
        await Ip("-n", holder, "addr", "add", "fd00:db8::1/64", "dev", holderLink, "nodad");
        await Ip("-n", neighbour, "addr", "add", "fd00:db8::2/64", "dev", neighbourLink, "nodad");
        var mac = MacOf((await Ip("-n", holder, "link", "show", holderLink)).Output);
        await Ip("-n", neighbour, "neigh", "replace", vip6, "dev", neighbourLink, "lladdr", StaleMac, "nud", "stale");

        var up = await RunAsync("ip", ["netns", "exec", holder, .. Pgway("vip", "up", $"{vip6}/64", "--interface", holderLink)]);

        Assert.True(up.Code == 0, up.Output);
        await Eventually.HoldsAsync(async () => (await Ip("-n", neighbour, "neigh", "show", vip6)).Output.Contains(mac, StringComparison.OrdinalIgnoreCase),
            TimeSpan.FromSeconds(30), () => $"neighbour entry: {Ip("-n", neighbour, "neigh", "show", vip6).Result.Output}");
        var down = await RunAsync("ip", ["netns", "exec", holder, .. Pgway("vip", "down", $"{vip6}/64", "--interface", holderLink)]);
        Assert.True(down.Code == 0, down.Output);
        Assert.DoesNotContain(vip6, (await Ip("-n", holder, "addr", "show", "dev", holderLink)).Output, StringComparison.Ordinal);
    }

    [NetnsFact]
    public async Task VipUpAndDownTwiceOrOnAMissingInterface_TheKernelsAnswersReadAsIpWouldSayThem()
    {
        // The address changes go to the kernel's routing socket: what it answers must mean what ip's words meant.
        var first = await RunAsync("ip", ["netns", "exec", holder, .. Pgway("vip", "up", $"{Vip}/24", "--interface", holderLink)]);
        var again = await RunAsync("ip", ["netns", "exec", holder, .. Pgway("vip", "up", $"{Vip}/24", "--interface", holderLink)]);

        Assert.True(first.Code == 0, first.Output);
        Assert.True(again.Code == 0, again.Output);
        var shown = (await Ip("-n", holder, "addr", "show", "dev", holderLink)).Output;
        Assert.Single(Regex.Matches(shown, Regex.Escape($"inet {Vip}/24 ")));

        var down = await RunAsync("ip", ["netns", "exec", holder, .. Pgway("vip", "down", $"{Vip}/24", "--interface", holderLink)]);
        var downAgain = await RunAsync("ip", ["netns", "exec", holder, .. Pgway("vip", "down", $"{Vip}/24", "--interface", holderLink)]);

        Assert.True(down.Code == 0, down.Output);
        Assert.True(downAgain.Code == 0, downAgain.Output);
        Assert.DoesNotContain(Vip, (await Ip("-n", holder, "addr", "show", "dev", holderLink)).Output, StringComparison.Ordinal);

        var missing = await RunAsync("ip", ["netns", "exec", holder, .. Pgway("vip", "up", $"{Vip}/24", "--interface", "nosuchif0")]);

        Assert.Equal(1, missing.Code);
        Assert.Contains("cannot add 198.51.100.50/24 to nosuchif0: no such interface", missing.Output, StringComparison.Ordinal);
    }

    private static string[] Pgway(params string[] arguments)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "pgway.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        return [dotnet, dll, .. arguments];
    }

    private static string MacOf(string linkShow) =>
        MacPattern().Match(linkShow) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException($"no MAC in: {linkShow}");

    [GeneratedRegex(@"link/ether ([0-9a-f:]{17})")]
    private static partial Regex MacPattern();

    private static async Task<(int Code, string Output)> Ip(params string[] arguments)
    {
        var result = await RunAsync("ip", arguments);
        Assert.True(result.Code == 0, $"ip {string.Join(' ', arguments)}: {result.Output}");
        return result;
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{file} {string.Join(' ', arguments)}: no exit within {CommandTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        return (process.ExitCode, await output + await error);
    }
}
