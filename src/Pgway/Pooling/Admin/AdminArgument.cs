namespace Pgway.Pooling.Admin;

/// <summary>Whether a console verb takes an argument: a command with one it does not take is not a command at all.</summary>
internal enum AdminArgument
{
    None,
    Optional,
    Required,
}
