using System.CommandLine;

namespace Pgway.Cli.Commands;

/// <summary>
/// <c>pgway unfence --member M</c>: asks a running pgway (its admin endpoint's <c>POST /unfence</c>) to
/// clear the fence a switchover without Patroni left on the old primary, once an operator has rebuilt
/// it as a replica; from then its checks decide its state again. Refused while another instance is a
/// primary unless <c>--force</c>.
/// </summary>
internal static class UnfenceCommand
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static Command Create(CliContext context)
    {
        var member = new Option<string>("--member") { Description = "The fenced instance, by name (e.g. pg-test-1)", Required = true };
        var force = new Option<bool>("--force")
        {
            Description = "Unfence even while another instance of the cluster is (or may be) a primary, or when the instance cannot be reached (then only that pgway's fence goes)",
        };
        var endpoint = new AdminEndpointOptions();
        var command = new Command("unfence", "Clear an instance's fence (left by a switchover without Patroni) so its checks decide its state again (asks a running pgway)")
        {
            member,
            force,
        };
        endpoint.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (endpoint.Resolve(context, parse, out var exitCode) is not { } target)
            {
                return exitCode;
            }
            var name = parse.GetValue(member)!;
            var (answer, failed) = await AdminActionRequest.PostAsync(context, target, "/unfence", $"member={Uri.EscapeDataString(name)}{(parse.GetValue(force) ? "&force=true" : "")}", Timeout, cancellationToken);
            if (answer is null)
            {
                return failed;
            }
            if (answer.Status != System.Net.HttpStatusCode.OK)
            {
                context.Error.WriteLine($"cannot unfence {name}: {answer.Body.Trim()}");
                return 1;
            }
            context.Output.WriteLine(answer.Body.Trim());
            return 0;
        });
        return command;
    }
}
