using System.CommandLine;
using Pgway.Admin;

namespace Pgway.Cli.Commands;

/// <summary>
/// How a command that asks a running pgway (<c>status</c>, <c>switchover</c>, <c>unfence</c>) finds its
/// admin endpoint and credentials: <c>--url</c>, or <c>-c inventory --node ADDR</c>; and, for an action
/// without credentials, the runtime directory holding the endpoint's token.
/// </summary>
internal sealed class AdminEndpointOptions
{
    private readonly Option<string?> url = new("--url") { Description = "The admin endpoint of the pgway to ask, e.g. http://127.0.0.11:9101 (default: --node's haproxy_exporter_port in the inventory)" };
    private readonly Option<FileInfo?> config = new("--config", "-c") { Description = "The Pigsty-style inventory YAML, to find --node's admin endpoint and credentials" };
    private readonly Option<string?> node = new("--node") { Description = "The node whose pgway to ask (with -c)" };
    private readonly Option<string?> user = new("--user") { Description = $"Basic auth user name (default: ${StatusCommand.UserVariable}, then the inventory's haproxy_admin_username)" };
    private readonly Option<string?> password = new("--password") { Description = $"Basic auth password (default: ${StatusCommand.PasswordVariable}, then the inventory's haproxy_admin_password)" };
    private readonly Option<string?> runtimeDirectory = RuntimeDirectoryOption("Where pgway serve wrote its admin token, read when no credentials are given");

    /// <summary>
    /// <c>--runtime-dir</c>, where serve writes the admin token and switchover and unfence read it; its default
    /// (<see cref="AdminTokenFile.DefaultDirectory"/>) is the same for both when run as the same user.
    /// </summary>
    public static Option<string?> RuntimeDirectoryOption(string what) => new("--runtime-dir")
    {
        Description = $"{what} (default: ${AdminTokenFile.DirectoryVariable}, else $XDG_RUNTIME_DIR/pgway, else {AdminTokenFile.SystemDirectory} if it exists, else pgway-$USER in the temporary directory)",
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { url, config, node, user, password, runtimeDirectory })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The endpoint to ask, or null (the reason printed, <paramref name="exitCode"/> set).</summary>
    public StatusCommand.Target? Resolve(CliContext context, ParseResult parse, out int exitCode) =>
        StatusCommand.Resolve(context, parse.GetValue(url), parse.GetValue(config), parse.GetValue(node),
            parse.GetValue(user) ?? Environment.GetEnvironmentVariable(StatusCommand.UserVariable),
            parse.GetValue(password) ?? Environment.GetEnvironmentVariable(StatusCommand.PasswordVariable), out exitCode) is { } target
            ? target with { RuntimeDirectory = parse.GetValue(runtimeDirectory) ?? AdminTokenFile.DefaultDirectory(Environment.GetEnvironmentVariable) }
            : null;
}
