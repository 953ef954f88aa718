using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Pgway.Admin;
using Pgway.Model;
using Pgway.Switchover;

namespace Pgway.Fuzz;

/// <summary>
/// The HTTP admin endpoint's requests (<see cref="AdminEndpoint"/>, <see cref="AdminActions"/>): the
/// method, the path and query (its pages and <c>POST /switchover?…</c>, <c>/unfence?…</c>) and the
/// <c>Authorization</c> header, answered in process as Kestrel would hand them over. The input is
/// three lines: method, request target, Authorization value; each request is answered with and without
/// the action header.
/// </summary>
internal static class AdminPathTarget
{
    // The longest timeout a timer takes (CancellationTokenSource.CancelAfter): a switchover is given no more.
    private static readonly TimeSpan LongestTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private static readonly int[] Answers = [200, 400, 401, 403, 404, 405, 409, 503];

    private static readonly AdminSources Sources = new(() => "pgway_up 1\n", () => new StatusReport(DateTimeOffset.UnixEpoch, [], [], []))
    {
        Switchover = (cluster, to, options, _) =>
        {
            Expect(cluster.Length > 0 && to is not { Length: 0 }, $"a switchover of cluster '{cluster}' to '{to}'");
            Expect(options.WaitTimeout > TimeSpan.Zero && options.WaitTimeout <= LongestTimeout
                && options.SwitchTimeout > TimeSpan.Zero && options.SwitchTimeout <= LongestTimeout,
                $"a switchover with timeouts {options.WaitTimeout} and {options.SwitchTimeout}");
            return Task.FromResult(new SwitchoverResult(cluster, to != "refuse", "patroni", "a", to ?? "b", 0, 0, [], to == "refuse" ? "refused" : null));
        },
        Unfence = (member, _, _) =>
        {
            Expect(member.Length > 0, "an unfence of no member");
            return Task.FromResult(member == "refuse" ? "not fenced" : null);
        },
    };

    private static readonly AdminListen Open = new(new IPEndPoint(IPAddress.Loopback, 9101), null);

    private static readonly AdminListen Guarded = new(new IPEndPoint(IPAddress.Loopback, 9101), new AdminCredentials("admin", "pa:ss"));

    private static readonly AdminResponder Responder = new(Sources, new AdminToken("t0ken"), TimeSpan.Zero, TimeProvider.System);

    public static void Check(byte[] input)
    {
        var lines = Encoding.UTF8.GetString(input).Split('\n');
        var method = lines[0];
        var target = lines.ElementAtOrDefault(1) ?? "/";
        var authorization = lines.ElementAtOrDefault(2);
        foreach (var marked in new[] { false, true })
        {
            Answer(method, target, authorization, Open, IPAddress.Loopback, marked);
            Answer(method, target, authorization, Open, IPAddress.Parse("192.0.2.7"), marked);
            Answer(method, target, authorization, Guarded, IPAddress.Parse("192.0.2.7"), marked);
        }
    }

    private static void Answer(string method, string target, string? authorization, AdminListen listen, IPAddress remote, bool marked)
    {
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var rawPath = question < 0 ? target : target[..question];
        // Kestrel's path: absolute, percent-decoded; its query: raw, from the '?'.
        if (!KestrelPath.TryDecode(rawPath, out var path))
        {
            return;
        }
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = method;
        request.Path = path;
        request.QueryString = question < 0 ? QueryString.Empty : new QueryString(target[question..]);
        if (authorization is not null)
        {
            request.Headers.Authorization = authorization;
        }
        if (marked)
        {
            request.Headers[AdminEndpoint.ActionHeader] = "1";
        }
        context.Connection.LocalIpAddress = listen.EndPoint.Address;
        context.Connection.LocalPort = listen.EndPoint.Port;
        context.Connection.RemoteIpAddress = remote;
        using var body = new MemoryStream();
        context.Response.Body = body;
        Responder.AnswerAsync(context, listen).GetAwaiter().GetResult();
        var status = context.Response.StatusCode;
        var action = AdminActions.Handles(path) && HttpMethods.IsPost(method);
        Expect(Answers.Contains(status), $"{method} {target} answered {status}");
        Expect(status != 401 || listen.Credentials is not null || action, "credentials asked for where there are none");
        Expect(status != 403 || action && !marked, "a request with the action header was refused");
        Expect(!action || marked || status == 403, "an action without the action header was let through");
        Expect(!action || status is 401 or 403 || (listen.Credentials is { } credentials ? credentials.Accepts(authorization) : Responder.Token.Accepts(authorization)),
            "an action without the credentials or token was let through");
        Expect(status != 405 || !string.IsNullOrEmpty(context.Response.Headers.Allow), "405 without Allow");
        Expect(context.Response.ContentLength is null || context.Response.ContentLength == body.Length || HttpMethods.IsHead(method) && body.Length == 0,
            $"Content-Length {context.Response.ContentLength} for a body of {body.Length}");
    }

    private static void Expect(bool condition, string broken)
    {
        if (!condition)
        {
            throw new FuzzInvariantException($"admin: {broken}");
        }
    }
}
