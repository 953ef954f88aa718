namespace Pgway.Pooling.Admin;

/// <summary>
/// One console command as parsed: its verb (upper case: <c>SHOW</c>, <c>PAUSE</c>…) and its argument
/// (the SHOW subject upper-cased, a database name, a client number), or for <c>SET</c> the setting
/// and its value. <see cref="Text"/> is what the client sent, for the log and errors.
/// </summary>
internal sealed record AdminCommand(string Text, string Verb, string? Argument, string? Value = null)
{
    /// <summary>For the log: the command without its trailing semicolon and spaces.</summary>
    public string Display => Verb == "SET" ? $"SET {Argument} = {Value}"
        : Verb == "SWITCHOVER" && Value is not null ? $"SWITCHOVER {Argument} TO {Value}"
        : Argument is null ? Verb : $"{Verb} {Argument}";
}
