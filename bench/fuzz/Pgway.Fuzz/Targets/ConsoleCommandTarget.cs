using System.Text;
using Pgway.Pooling.Admin;

namespace Pgway.Fuzz;

/// <summary>
/// The pooler's admin console commands (<see cref="AdminCommandParser"/>): the Query text a client of
/// the <c>pgbouncer</c>/<c>pgway</c> database sends. Its documented answer to anything that is not a
/// command is null (PgBouncer's "invalid command").
/// </summary>
internal static class ConsoleCommandTarget
{
    public static void Check(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        if (AdminCommandParser.Parse(text) is not { } command)
        {
            return;
        }
        Expect(command.Verb.Length > 0 && string.Equals(command.Verb, command.Verb.ToUpperInvariant(), StringComparison.Ordinal), $"verb '{command.Verb}'");
        Expect(command.Verb != "SET" || command.Argument is { Length: > 0 } && command.Value is not null, "SET without a key or value");
        // What the console shows of a command reads back as the same command.
        if (command.Verb is not ("SET" or "SWITCHOVER" or "UNFENCE") && command.Argument is null)
        {
            Expect(AdminCommandParser.Parse(command.Display) is { } again && again.Verb == command.Verb && again.Argument is null,
                $"'{command.Display}' does not read back");
        }
        Expect(AdminCommandParser.Parse(text + ";") is null == text.TrimEnd().EndsWith(';'), "a ';' after a command changes whether it is one");
    }

    private static void Expect(bool condition, string broken)
    {
        if (!condition)
        {
            throw new FuzzInvariantException($"console: {broken}");
        }
    }
}
