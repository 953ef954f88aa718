using System.CommandLine;
using System.Net;
using Pgway.Model;
using Pgway.Vip;

namespace Pgway.Cli.Commands;

/// <summary>
/// <c>pgway vip up|down ADDRESS/PREFIX --interface IF</c>: adds (and announces, as <c>pgway serve</c> does after a
/// move) or removes a VIP on this host by hand, with the same code the keeper uses: for recovery when no pgway runs,
/// and for testing the network side of the VIP on its own.
/// </summary>
internal static class VipCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("vip", "Add and announce, or remove, an L2 VIP on this host by hand, as pgway serve does on the leader's node (needs CAP_NET_ADMIN and CAP_NET_RAW)");
        command.Subcommands.Add(Action(context, up: true));
        command.Subcommands.Add(Action(context, up: false));
        return command;
    }

    private static Command Action(CliContext context, bool up)
    {
        var address = new Argument<string>("address") { Description = "The VIP in CIDR form, e.g. 10.10.10.2/24" };
        var device = new Option<string>("--interface") { Description = "The network interface (e.g. eth1)", Required = true };
        var command = up
            ? new Command("up", "Add the VIP to the interface, then announce it (gratuitous ARP / unsolicited neighbour advertisement) several times, spaced") { address, device }
            : new Command("down", "Remove the VIP from the interface") { address, device };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var text = parse.GetValue(address)!;
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || !IPAddress.TryParse(text[..slash], out var ip) || !int.TryParse(text[(slash + 1)..], out var prefix) || prefix < 1 || prefix > (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32))
            {
                context.Error.WriteLine($"'{text}' is not an address/prefix, e.g. 10.10.10.2/24");
                return 2;
            }
            var name = parse.GetValue(device)!;
            var vip = new ClusterVip(ip, prefix, name, ClusterVip.DefaultDcsGrace, default);
            var table = new IpAddressTable();
            var done = up ? table.Add(vip, name) : table.Remove(vip, name);
            if (!done.Ok)
            {
                context.Error.WriteLine(done.Error);
                return 1;
            }
            if (up)
            {
                var announcer = new NativeAnnouncer();
                var options = VipOptions.Default;
                for (var i = 0; i < options.Announcements; i++)
                {
                    if (i > 0)
                    {
                        await Task.Delay(options.AnnounceSpacing, cancellationToken);
                    }
                    var sent = announcer.Announce(vip, name);
                    if (!sent.Ok)
                    {
                        context.Error.WriteLine(sent.Error);
                        return 1;
                    }
                }
            }
            context.Output.WriteLine(up ? $"{vip.Cidr} added on {name} and announced {VipOptions.Default.Announcements} times" : $"{vip.Cidr} removed from {name}");
            return 0;
        });
        return command;
    }
}
