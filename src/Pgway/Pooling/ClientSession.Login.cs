using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Pgway.Model;
using Pgway.Pooling.Authentication;
using Pgway.Protocol;
using Pgway.Transport;

namespace Pgway.Pooling;

// Logging a client in: its start-up packet, its password, its first server, the greeting.
internal sealed partial class ClientSession
{
    private string user = "";
    private string database = "";

    private async Task<StartupPacket?> ReadStartupAsync()
    {
        while (true)
        {
            if (inboxEnd > inboxStart && inbox![inboxStart] == TlsHandshakeRecord && client is LoopSocket plain)
            {
                if (!await AcceptDirectTlsAsync(plain))
                {
                    return null;
                }
                continue;
            }
            var buffered = new ReadOnlySequence<byte>(inbox!, inboxStart, inboxEnd - inboxStart);
            var status = StartupPacketReader.TryRead(ref buffered, out var packet, out var error);
            if (status == StartupReadStatus.Invalid)
            {
                throw new PostgresProtocolException(error!);
            }
            if (status == StartupReadStatus.Incomplete)
            {
                await ReceiveIntoInboxAsync();
                continue;
            }
            inboxStart = inboxEnd - (int)buffered.Length;
            switch (packet!.Kind)
            {
                case StartupPacketKind.SslRequest or StartupPacketKind.GssEncRequest:
                    if (inboxStart != inboxEnd)
                    {
                        // Bytes after an encryption request, before the answer: an injection attempt (CVE-2021-23222).
                        throw new PostgresProtocolException("unexpected data after an encryption request");
                    }
                    if (packet.Kind == StartupPacketKind.SslRequest && await AcceptSslRequestAsync())
                    {
                        continue;
                    }
                    if (reason is not null)
                    {
                        // The handshake failed.
                        return null;
                    }
                    await client.SendAsync("N"u8.ToArray());
                    continue;
                case StartupPacketKind.CancelRequest:
                    if (packet.CancelKey.Length == 4)
                    {
                        await RouteCancelAsync(new CancelKey(packet.CancelProcessId, BinaryPrimitives.ReadInt32BigEndian(packet.CancelKey)));
                    }
                    return null;
                default:
                    return packet;
            }
        }
    }

    private async Task<bool> LogInAsync(StartupPacket startup)
    {
        user = startup.Parameters.FirstOrDefault(p => p.Key == "user").Value ?? "";
        database = startup.Parameters.FirstOrDefault(p => p.Key == "database").Value is { Length: > 0 } db ? db : user;
        if (database is "pgbouncer" or "pgway")
        {
            return await LogInAdminAsync(startup);
        }
        if (startup.Parameters.Any(p => p.Key == "replication" && !IsFalse(p.Value)))
        {
            await RefuseAsync(DisconnectReason.LoginRefused, SqlState.FeatureNotSupported, "replication connections are not supported by pgway's pooler: connect to PostgreSQL directly");
            return false;
        }
        if (!await TakeParametersAsync(startup))
        {
            return false;
        }
        var listed = Settings.Databases.FirstOrDefault(d => d.Name == database);
        if (Settings.Databases.Length > 0 && listed is null)
        {
            await RefuseAsync(DisconnectReason.LoginRefused, SqlState.InvalidCatalogName, $"no such database: {database}");
            return false;
        }
        var listedUser = Settings.Users.FirstOrDefault(u => u.Name == user);
        mode = listedUser?.PoolMode ?? listed?.PoolMode ?? Settings.PoolMode;
        if (await AuthenticateAsync() is not { } credentials)
        {
            return false;
        }
        pool = pooler.PoolFor(database, user, listed, listedUser);
        if (pool is null)
        {
            await RefuseAsync(DisconnectReason.LoginRefused, SqlState.ConfigurationLimitExceeded,
                $"too many databases in use: pgway_max_autodb_pools ({Settings.MaxAutodbPools}) pools for databases not in pg_databases are in use");
            return false;
        }
        counts = pool.Statistics.For(loop);
        // Each log-in's, not the first's: after a reload rotated the password, new servers log in
        // with the one the client just proved, never with one the inventory no longer holds.
        pool.Credentials = credentials;
        if (pool.Welcome is null)
        {
            // The first client of a pool waits for a server to learn what to greet clients with (it
            // has no cancel key yet, so nothing can cancel this wait).
            if (await BorrowServerAsync() != ServerBorrow.Lent)
            {
                // Refused (no server in time, log-ins failing) or ended meanwhile: the client has been told.
                return false;
            }
            pool.Welcome ??= held!.Login.Parameters;
        }

        if (!CanonicalizeParameters(pool.Welcome))
        {
            if (held is not null)
            {
                // The server the first client of a pool waited for has the client's values, in its form.
                LearnCanonicalValues(held);
                greetedAsGiven = !CanonicalizeParameters(pool.Welcome);
                parameterSet = 0;
            }
            else
            {
                // A start-up value whose server form pgway has not seen: the client is greeted with it as
                // given (a log-in waits for no server), and told the server's form with its first answer.
                greetedAsGiven = true;
            }
        }

        // The server's parameters, with the client's own values where it gave some.
        await GreetAsync(pool.Welcome, parameters);
        ReleaseIfIdle();
        return true;
    }

    // The client's start-up values of reported parameters in the server's form; false when one's is not known yet.
    private bool CanonicalizeParameters(IReadOnlyDictionary<string, string> welcome)
    {
        var allKnown = true;
        foreach (var (name, welcomeValue) in welcome)
        {
            if (!parameters.TryGetValue(name, out var value) || value == welcomeValue)
            {
                continue;
            }
            if (pooler.CanonicalValues.TryGet(name, value, out var canonical)
                || (name.Equals("DateStyle", StringComparison.OrdinalIgnoreCase) && DateStyleForm.TryCanonicalize(value, welcomeValue, out canonical)))
            {
                parameters[name] = canonical;
                startupValues[name] = canonical;
            }
            else
            {
                allKnown = false;
            }
        }
        return allKnown;
    }

    // At the first server lent to a client greeted with values as given: their server form, learned
    // now and told (ParameterStatus may come at any time).
    private async Task TellCanonicalValuesAsync(PooledServer server)
    {
        greetedAsGiven = false;
        LearnCanonicalValues(server);
        ArrayBufferWriter<byte>? output = null;
        foreach (var (name, welcomeValue) in pool!.Welcome ?? new Dictionary<string, string>())
        {
            if (parameters.TryGetValue(name, out var value) && pooler.CanonicalValues.TryGet(name, value, out var canonical) && canonical != value)
            {
                parameters[name] = canonical;
                startupValues[name] = canonical;
                BackendMessages.ParameterStatus(output ??= new ArrayBufferWriter<byte>(), name, canonical);
            }
        }
        if (output is not null)
        {
            parameterSet = 0;
            await SendOwnToClientAsync(output.WrittenMemory);
        }
    }

    // The server the client holds was brought to its parameters: what it reported is their form.
    private void LearnCanonicalValues(PooledServer server)
    {
        if (server.AppliedSet == 0)
        {
            // Not every value was taken (the server refused one): what it reports is not their form.
            return;
        }
        foreach (var (name, value) in parameters)
        {
            if (server.Parameters.TryGetValue(name, out var reported))
            {
                pooler.CanonicalValues.Learn(name, value, reported);
            }
        }
    }

    // Start-up parameters become the client's session parameters, set on whichever server it gets:
    // those listed in ignore_startup_parameters are dropped, the settings in options are taken
    // apart. A client asking for a newer protocol or for protocol options (_pq_.*) is told it gets
    // 3.0 without them, before anything else.
    private async Task<bool> TakeParametersAsync(StartupPacket startup)
    {
        var ignored = Settings.IgnoreStartupParameters;
        List<string>? protocolOptions = null;
        foreach (var (name, value) in startup.Parameters)
        {
            if (name.StartsWith("_pq_.", StringComparison.Ordinal))
            {
                (protocolOptions ??= []).Add(name);
            }
            else if (name is "user" or "database" or "replication" || ignored.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                // replication is false here (a true one was refused): a normal session, nothing to set.
                continue;
            }
            else if (name == "options")
            {
                if (!StartupOptions.TryParse(value, out var settings, out var error))
                {
                    await RefuseAsync(DisconnectReason.LoginRefused, SqlState.FeatureNotSupported, $"unsupported options start-up parameter: {error}");
                    return false;
                }
                foreach (var (setting, settingValue) in settings)
                {
                    parameters[setting] = settingValue;
                    startupValues[setting] = settingValue;
                }
            }
            else
            {
                parameters[name] = value;
                startupValues[name] = value;
            }
        }
        if (startup.MinorVersion > 0 || protocolOptions is not null)
        {
            var output = new ArrayBufferWriter<byte>();
            BackendMessages.NegotiateProtocolVersion(output, 0, protocolOptions ?? []);
            await client.SendAsync(output.WrittenMemory);
        }
        return true;
    }

    // The credentials pgway logs in to servers with for this client; null when the client was refused.
    private async Task<ServerCredentials?> AuthenticateAsync()
    {
        var secret = pooler.Options.Secrets.GetValueOrDefault(user);
        var method = Method(out var unmatched);
        if (secret is null && method != HbaMethod.Reject && !IsAdmin && AuthQueryUser() is { } authUser)
        {
            var authDatabase = Settings.AuthDatabase ?? database;
            (var outcome, secret) = await AuthQuery.LookUpAsync(pooler, loop, authUser, authDatabase, Settings.AuthQuery, user);
            switch (outcome)
            {
                case AuthQueryOutcome.Failed:
                    // As PgBouncer: the cause (the auth user's name, the server's error) is in the log only.
                    await RefuseAsync(DisconnectReason.LoginRefused, SqlState.ProtocolViolation, "pgway: the password could not be checked (auth_query failed; the cause is in pgway's log)");
                    return null;
                case AuthQueryOutcome.Busy:
                    await RefuseAsync(DisconnectReason.LoginRefused, SqlState.TooManyConnections,
                        $"pgway: too many log-ins wait for auth_query in this database (at most {AuthQueryGates.Waiting}); try again");
                    return null;
            }
        }
        switch (method)
        {
            case HbaMethod.Trust when secret is not null || !IsAdmin:
                // The admin console is for listed users only, trusted or not.
                return Credentials(secret, null);
            case HbaMethod.Reject or HbaMethod.Cert or HbaMethod.Peer:
                // PostgreSQL's wording, which clients and people recognise (PgBouncer's is "login rejected").
                var host = RemoteOf(rawClient)?.Address.ToString() ?? "local";
                var encryption = client is Tls.TlsTransport ? "SSL encryption" : "no encryption";
                await RefuseAsync(DisconnectReason.LoginRefused, SqlState.InvalidAuthorizationSpecification,
                    method != HbaMethod.Reject ? $"authentication method {method.ToString().ToLowerInvariant()} is not supported by pgway yet"
                    : unmatched ? $"no pg_hba.conf entry for host \"{host}\", user \"{user}\", database \"{database}\", {encryption}"
                    : $"pg_hba.conf rejects connection for host \"{host}\", user \"{user}\", database \"{database}\", {encryption}");
                return null;
        }
        if (string.IsNullOrEmpty(secret))
        {
            // No such user, or no password: challenged as any user is, refused as a wrong password is.
            await MockAuthenticateAsync(method);
            return null;
        }
        var verifier = ScramVerifier.TryParse(secret, out var parsed) ? parsed : null;
        var md5 = Md5Password.IsHash(secret);
        if (method == HbaMethod.Password)
        {
            return await CleartextAsync(secret, verifier, md5);
        }
        // MD5 asked for but only a SCRAM verifier known: SCRAM instead, as PgBouncer does; SCRAM asked
        // for but only an MD5 hash known: MD5, the only way left.
        if ((method == HbaMethod.Md5 && verifier is null) || (method == HbaMethod.ScramSha256 && md5))
        {
            return await Md5Async(secret);
        }
        return await ScramAsync(secret, verifier ?? pooler.Verifiers.For(user, secret));
    }

    // PostgreSQL's mock authentication: the challenge a user with a secret gets under this method, the
    // client's answer read, and the refusal a wrong password gets. Under md5 that is an MD5 challenge with a
    // random salt, as PostgreSQL and PgBouncer send; under scram-sha-256 a SCRAM exchange with a salt that
    // is the same at every try for the name (MockAuthentication), as a real user's is.
    private async Task MockAuthenticateAsync(HbaMethod method)
    {
        switch (method)
        {
            case HbaMethod.Password:
                await CleartextAsync("", null, md5: false, mock: true);
                break;
            case HbaMethod.Md5:
                await Md5Async("", mock: true);
                break;
            case HbaMethod.Trust:
                // Only the admin console gets here (an unlisted user under trust): nothing to challenge.
                await WrongPasswordAsync();
                break;
            default:
                await ScramExchangeAsync(pooler.MockAuthentication.Exchange(user));
                break;
        }
    }

    // Who runs auth_query: auth_user, or with Pigsty's pgbouncer_auth_query the database superuser
    // postgres (Pigsty's pg_dbsu), as Pigsty renders it; null when auth_query is not in use.
    private ServerCredentials? AuthQueryUser()
    {
        var name = Settings.AuthUser ?? (Settings.UseAuthQuery ? "postgres" : null);
        if (name is null)
        {
            return null;
        }
        return pooler.Options.Secrets.GetValueOrDefault(name) is { } secret && !ScramVerifier.TryParse(secret, out _)
            ? new ServerCredentials(name, secret)
            : new ServerCredentials(name);
    }

    // The method for this client; unmatched when auth_type is hba and no rule matched (a reject too).
    private HbaMethod Method(out bool unmatched)
    {
        unmatched = false;
        switch (Settings.AuthType)
        {
            case AuthType.Trust or AuthType.Any:
                return HbaMethod.Trust;
            case AuthType.Plain:
                return HbaMethod.Password;
            case AuthType.Md5:
                return HbaMethod.Md5;
            case AuthType.ScramSha256:
                return HbaMethod.ScramSha256;
            case AuthType.Cert:
                return HbaMethod.Cert;
        }
        if (pooler.Options.Hba is not { } hba)
        {
            return HbaMethod.ScramSha256;
        }
        var remote = RemoteOf(rawClient)?.Address;
        // The console answers as pgbouncer or pgway; its rules are PgBouncer's, for the database pgbouncer.
        var hbaDatabase = database == "pgway" ? Admin.AdminConsole.DatabaseName : database;
        var rule = hba.Find(new HbaConnection(remote, Tls: client is Tls.TlsTransport, hbaDatabase, user));
        unmatched = rule is null;
        return rule?.Method ?? HbaMethod.Reject;
    }

    private async Task<ServerCredentials?> CleartextAsync(string secret, ScramVerifier? verifier, bool md5, bool mock = false)
    {
        var output = new ArrayBufferWriter<byte>();
        BackendMessages.AuthenticationCleartextPassword(output);
        await client.SendAsync(output.WrittenMemory);
        var body = await ReadPasswordMessageAsync();
        if (!AuthenticationMessages.TryReadPassword(body.Span, out var password))
        {
            throw new PostgresProtocolException("malformed password message");
        }
        var right = !mock && verifier is not null
            ? ScramVerifier.FromPassword(password, verifier.Salt, verifier.Iterations).Equals(verifier)
            : !mock && (md5 ? Md5Password.Hash(password, user) == secret : CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(password), System.Text.Encoding.UTF8.GetBytes(secret)));
        if (!right)
        {
            await WrongPasswordAsync();
            return null;
        }
        return new ServerCredentials(user, password);
    }

    private async Task<ServerCredentials?> Md5Async(string secret, bool mock = false)
    {
        var salt = RandomNumberGenerator.GetBytes(4);
        var output = new ArrayBufferWriter<byte>();
        BackendMessages.AuthenticationMd5Password(output, salt);
        await client.SendAsync(output.WrittenMemory);
        var body = await ReadPasswordMessageAsync();
        if (!AuthenticationMessages.TryReadPassword(body.Span, out var answer))
        {
            throw new PostgresProtocolException("malformed password message");
        }
        if (mock || !Md5Password.Verify(answer, secret, user, salt))
        {
            await WrongPasswordAsync();
            return null;
        }
        return new ServerCredentials(user, secret);
    }

    private async Task<ServerCredentials?> ScramAsync(string secret, ScramVerifier verifier)
    {
        var exchange = new ScramServerExchange(verifier);
        if (!await ScramExchangeAsync(exchange))
        {
            return null;
        }
        return ScramVerifier.TryParse(secret, out _)
            ? new ServerCredentials(user, Verifier: verifier, ClientKey: exchange.ClientKey)
            : new ServerCredentials(user, secret);
    }

    // The SASL exchange with the client; false when its proof failed (it has been told).
    private async Task<bool> ScramExchangeAsync(ScramServerExchange exchange)
    {
        var output = new ArrayBufferWriter<byte>();
        BackendMessages.AuthenticationSasl(output, ["SCRAM-SHA-256"]);
        await client.SendAsync(output.WrittenMemory);
        var initial = await ReadPasswordMessageAsync();
        if (!AuthenticationMessages.TryReadSaslInitialResponse(initial.Span, out var mechanism, out var clientFirst) || mechanism != "SCRAM-SHA-256")
        {
            throw new PostgresProtocolException($"expected a SASLInitialResponse for SCRAM-SHA-256{(mechanism is { Length: > 0 } ? $", got mechanism {mechanism}" : "")}");
        }
        if (!exchange.TryStart(clientFirst, out var serverFirst, out var error))
        {
            throw new PostgresProtocolException(error!);
        }
        output.ResetWrittenCount();
        BackendMessages.AuthenticationSaslContinue(output, serverFirst);
        await client.SendAsync(output.WrittenMemory);
        var clientFinal = (await ReadPasswordMessageAsync()).ToArray();
        switch (exchange.Finish(clientFinal, out var serverFinal, out error))
        {
            case ScramOutcome.WrongPassword:
                await WrongPasswordAsync();
                return false;
            case ScramOutcome.Malformed:
                throw new PostgresProtocolException(error!);
        }
        output.ResetWrittenCount();
        BackendMessages.AuthenticationSaslFinal(output, serverFinal);
        await client.SendAsync(output.WrittenMemory);
        return true;
    }

    private Task WrongPasswordAsync() => RefuseAsync(DisconnectReason.AuthenticationFailed, SqlState.InvalidPassword, $"password authentication failed for user \"{user}\"");

    // With trust, pgway still needs the user's secret to log in to the server (unless it trusts too).
    private ServerCredentials Credentials(string? secret, byte[]? clientKey) =>
        secret is null ? new ServerCredentials(user)
        : ScramVerifier.TryParse(secret, out var verifier) ? new ServerCredentials(user, Verifier: verifier, ClientKey: clientKey)
        : new ServerCredentials(user, secret);

    // The body of the client's next message, which must be a password message ('p'), bounded.
    private async Task<ReadOnlyMemory<byte>> ReadPasswordMessageAsync()
    {
        var (type, body) = await ReadClientMessageAsync();
        if (type != (byte)FrontendMessageCode.Password)
        {
            throw new PostgresProtocolException($"expected a password message, got message type '{(char)type}'");
        }
        return body;
    }

    // PostgreSQL's reading of a boolean "false" (replication=false asks for a normal session): the
    // words false, no and off, or any prefix of them it accepts unambiguously, and 0; any case.
    private static bool IsFalse(string value)
    {
        var word = value.ToLowerInvariant();
        return word.Length > 0 && ("false".StartsWith(word, StringComparison.Ordinal) || "no".StartsWith(word, StringComparison.Ordinal)
            || (word.Length >= 2 && "off".StartsWith(word, StringComparison.Ordinal)) || word == "0");
    }
}
