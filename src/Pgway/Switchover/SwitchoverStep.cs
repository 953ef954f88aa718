namespace Pgway.Switchover;

/// <summary>One step of a switchover as it happened.</summary>
/// <param name="Name">What the step is: <c>validate</c>, <c>pause</c>, <c>drain</c>, <c>patroni</c>, <c>fence</c>, <c>catch-up</c>, <c>promote</c>, <c>route</c>, <c>resume</c>.</param>
/// <param name="At">Since the switchover started, in milliseconds, when the step ended.</param>
/// <param name="Took">How long the step took, in milliseconds.</param>
/// <param name="Detail">What it did or found, in words.</param>
internal sealed record SwitchoverStep(string Name, double At, double Took, string Detail);
