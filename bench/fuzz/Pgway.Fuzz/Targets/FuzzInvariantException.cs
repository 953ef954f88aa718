namespace Pgway.Fuzz;

/// <summary>
/// A harness found a parser breaking one of its promises (other than by throwing): AFL counts it as a
/// crash, and the unit test over the seed corpus fails with its message.
/// </summary>
public sealed class FuzzInvariantException(string message) : Exception(message);
