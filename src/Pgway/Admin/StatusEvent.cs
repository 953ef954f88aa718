namespace Pgway.Admin;

/// <summary>One event in the status document: a member's state changed, and why.</summary>
/// <param name="Id">Grows by one per event since the process started, so a reader can tell new events from seen ones.</param>
/// <param name="From">The state before (as <see cref="StatusMember.State"/>).</param>
/// <param name="To">The state after.</param>
/// <param name="Message">HAProxy's log wording: "pg-test-replica/pg-test-2 is DOWN, reason: L4CON, info: connection refused, check duration: 1ms".</param>
internal sealed record StatusEvent(
    long Id,
    DateTimeOffset Time,
    string Service,
    string Member,
    string From,
    string To,
    string Message);
