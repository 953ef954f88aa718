using System.Buffers;
using Pgway.Pooling.Authentication;
using Pgway.Protocol;

namespace Pgway.Pooling;

/// <summary>
/// Logs in to a PostgreSQL server as a client would: start-up packet, the authentication the server
/// asks for (trust, cleartext, MD5, SCRAM-SHA-256), then its parameters and cancel key until
/// ReadyForQuery. Every message is bounded; a server error surfaces with its SQLSTATE.
/// </summary>
internal static class ServerLogin
{
    public static async Task<ServerLoginResult> LoginAsync(Stream stream, ServerCredentials credentials,
        IReadOnlyList<KeyValuePair<string, string>> startupParameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(startupParameters);
        using var reader = new MessageStreamReader(stream);
        var output = new ArrayBufferWriter<byte>();
        FrontendMessages.Startup(output, StartupRequestCode.Protocol30,
            [new("user", credentials.User), .. startupParameters.Where(p => p.Key != "user")]);
        await SendAsync(stream, output, cancellationToken);

        ScramClientExchange? scram = null;
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var processId = 0;
        byte[] secretKey = [];
        while (true)
        {
            var (type, body) = await reader.ReadAsync(MessageHeader.SmallMessageLimit, cancellationToken);
            switch ((BackendMessageCode)type)
            {
                case BackendMessageCode.Authentication:
                    if (!AuthenticationMessages.TryReadRequest(body.Span, out var code, out var data))
                    {
                        throw new PostgresProtocolException("the server sent a malformed authentication request");
                    }
                    if (code == AuthenticationCode.Sasl)
                    {
                        scram = StartScram(data, credentials, output);
                    }
                    else if (!Answer(code, data, credentials, scram, output))
                    {
                        break;
                    }
                    await SendAsync(stream, output, cancellationToken);
                    break;
                case BackendMessageCode.ParameterStatus:
                    var fields = body.Span.ToArray();
                    var nameEnd = Array.IndexOf(fields, (byte)0);
                    var valueEnd = nameEnd < 0 ? -1 : Array.IndexOf(fields, (byte)0, nameEnd + 1);
                    if (valueEnd < 0)
                    {
                        throw new PostgresProtocolException("the server sent a malformed ParameterStatus");
                    }
                    parameters[System.Text.Encoding.UTF8.GetString(fields, 0, nameEnd)] =
                        System.Text.Encoding.UTF8.GetString(fields, nameEnd + 1, valueEnd - nameEnd - 1);
                    break;
                case BackendMessageCode.BackendKeyData when body.Length >= 8:
                    processId = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(body.Span);
                    secretKey = body.Span[4..].ToArray();
                    break;
                case BackendMessageCode.ReadyForQuery when body.Length == 1:
                    return new ServerLoginResult(parameters, processId, secretKey, (TransactionStatus)body.Span[0]);
                case BackendMessageCode.ErrorResponse:
                    ErrorResponseReader.TryRead(body.Span, out var error);
                    throw new ServerLoginException(error.GetValueOrDefault('C', SqlState.ConnectionFailure),
                        error.GetValueOrDefault('M', "the server refused the log-in"));
                case BackendMessageCode.NoticeResponse or BackendMessageCode.NegotiateProtocolVersion:
                    break;
                default:
                    throw new PostgresProtocolException($"unexpected message '{(char)type}' from the server during log-in");
            }
        }
    }

    // Writes the answer to a cleartext, MD5 or SCRAM step; false for AuthenticationOk (nothing to send).
    private static bool Answer(AuthenticationCode code, ReadOnlySpan<byte> data, ServerCredentials credentials, ScramClientExchange? scram, ArrayBufferWriter<byte> output)
    {
        switch (code)
        {
            case AuthenticationCode.Ok:
                return false;
            case AuthenticationCode.CleartextPassword when credentials.Password is { } password && !Md5Password.IsHash(password):
                FrontendMessages.Password(output, password);
                return true;
            case AuthenticationCode.Md5Password when data.Length == 4 && credentials.Password is { } secret:
                FrontendMessages.Password(output, Md5Password.Answer(secret, credentials.User, data));
                return true;
            case AuthenticationCode.SaslContinue when scram is not null:
                if (!scram.TryContinue(data, out var clientFinal, out var error))
                {
                    throw new ServerLoginException(SqlState.InvalidPassword, $"pgway cannot log in to the server as '{credentials.User}': {error}");
                }
                FrontendMessages.SaslResponse(output, clientFinal);
                return true;
            case AuthenticationCode.SaslFinal when scram is not null:
                if (!scram.TryVerify(data, out var refused))
                {
                    throw new ServerLoginException(SqlState.InvalidPassword, $"pgway cannot trust the server for '{credentials.User}': {refused}");
                }
                return false;
            default:
                throw new ServerLoginException(SqlState.InvalidPassword,
                    $"the server asks for {Describe(code)} authentication for '{credentials.User}', and pgway has no {(code == AuthenticationCode.CleartextPassword ? "password" : "secret")} for it that answers that");
        }
    }

    private static ScramClientExchange StartScram(ReadOnlySpan<byte> data, ServerCredentials credentials, ArrayBufferWriter<byte> output)
    {
        if (!AuthenticationMessages.TryReadSaslMechanisms(data, out var mechanisms))
        {
            throw new PostgresProtocolException("the server sent a malformed SASL mechanism list");
        }
        if (!mechanisms.Contains(Scram.Mechanism))
        {
            throw new ServerLoginException(SqlState.InvalidPassword, $"the server offers SASL mechanisms {string.Join(", ", mechanisms)}, none of which pgway speaks");
        }
        var exchange = credentials switch
        {
            { Password: { } password } when !Md5Password.IsHash(password) => ScramClientExchange.WithPassword(password),
            { Verifier: { } verifier, ClientKey: { } key } => ScramClientExchange.WithClientKey(verifier, key),
            _ => throw new ServerLoginException(SqlState.InvalidPassword,
                $"the server asks for SCRAM-SHA-256 for '{credentials.User}', and pgway has neither its password nor a ClientKey from the client (an MD5 hash cannot answer SCRAM)"),
        };
        FrontendMessages.SaslInitialResponse(output, Scram.Mechanism, exchange.ClientFirst());
        return exchange;
    }

    private static string Describe(AuthenticationCode code) => code switch
    {
        AuthenticationCode.CleartextPassword => "cleartext password",
        AuthenticationCode.Md5Password => "MD5",
        AuthenticationCode.Sasl or AuthenticationCode.SaslContinue or AuthenticationCode.SaslFinal => "SCRAM",
        _ => $"an unsupported kind ({(int)code}) of",
    };

    private static async Task SendAsync(Stream stream, ArrayBufferWriter<byte> output, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(output.WrittenMemory, cancellationToken);
        await stream.FlushAsync(cancellationToken);
        output.ResetWrittenCount();
    }
}
