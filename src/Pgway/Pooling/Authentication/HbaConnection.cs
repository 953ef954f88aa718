using System.Net;

namespace Pgway.Pooling.Authentication;

/// <summary>What an hba rule is matched against: how the client came, where from, and whom it asks for.</summary>
/// <param name="Address">The client's address; null for a UNIX-socket client.</param>
internal sealed record HbaConnection(IPAddress? Address, bool Tls, string Database, string User);
