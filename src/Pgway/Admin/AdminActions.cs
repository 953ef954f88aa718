using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Pgway.Switchover;

namespace Pgway.Admin;

/// <summary>
/// The admin endpoint's actions, by POST: <c>/switchover?cluster=C[&amp;to=M][&amp;wait_timeout=S][&amp;switch_timeout=S]</c>
/// answers the switchover's steps as JSON (200 done, 409 refused or aborted, 400 a bad request);
/// <c>/unfence?member=M</c> clears a fence. They change the cluster, so <see cref="AdminResponder"/> lets through only
/// a request with the endpoint's credentials (or its token where it has none), its action header, and no foreign origin.
/// </summary>
internal static class AdminActions
{
    public const string SwitchoverPath = "/switchover";
    public const string UnfencePath = "/unfence";

    // The longest a timer waits (CancellationTokenSource.CancelAfter): a longer timeout would throw
    // once the switchover starts, and a still longer one overflows TimeSpan here.
    private static readonly double LongestTimeoutSeconds = TimeSpan.FromMilliseconds(uint.MaxValue - 1).TotalSeconds;

    public static bool Handles(string? path) => path is SwitchoverPath or UnfencePath;

    public static Task AnswerAsync(HttpContext context, AdminSources sources) =>
        context.Request.Path.Value == SwitchoverPath ? SwitchoverAsync(context, sources) : UnfenceAsync(context, sources);

    private static async Task SwitchoverAsync(HttpContext context, AdminSources sources)
    {
        if (sources.Switchover is not { } switchover)
        {
            await TextAsync(context, StatusCodes.Status404NotFound, "this pgway offers no switchover");
            return;
        }
        var query = context.Request.Query;
        var cluster = query["cluster"].ToString();
        var to = query["to"].ToString();
        if (cluster.Length == 0)
        {
            await TextAsync(context, StatusCodes.Status400BadRequest, "say which cluster: POST /switchover?cluster=NAME[&to=MEMBER]");
            return;
        }
        if (Seconds(query["wait_timeout"].ToString(), SwitchoverOptions.DefaultWaitTimeout) is not { } wait
            || Seconds(query["switch_timeout"].ToString(), SwitchoverOptions.DefaultSwitchTimeout) is not { } limit)
        {
            await TextAsync(context, StatusCodes.Status400BadRequest, $"wait_timeout and switch_timeout are seconds, more than 0 and at most {Math.Floor(LongestTimeoutSeconds)}");
            return;
        }
        // Not the request's token: a client giving up must not stop a switchover half-way.
        var result = await switchover(cluster, to.Length == 0 ? null : to, new SwitchoverOptions(wait, limit), CancellationToken.None);
        var body = JsonSerializer.SerializeToUtf8Bytes(result, SwitchoverJsonContext.Default.SwitchoverResult);
        context.Response.StatusCode = result.Succeeded ? StatusCodes.Status200OK : StatusCodes.Status409Conflict;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static async Task UnfenceAsync(HttpContext context, AdminSources sources)
    {
        var member = context.Request.Query["member"].ToString();
        if (sources.Unfence is not { } unfence)
        {
            await TextAsync(context, StatusCodes.Status404NotFound, "this pgway offers no unfence");
        }
        else if (member.Length == 0)
        {
            await TextAsync(context, StatusCodes.Status400BadRequest, "say which instance: POST /unfence?member=NAME[&force=true]");
        }
        else if (await unfence(member, IsYes(context.Request.Query["force"].ToString()), CancellationToken.None) is { } error)
        {
            await TextAsync(context, StatusCodes.Status409Conflict, error);
        }
        else
        {
            await TextAsync(context, StatusCodes.Status200OK, $"{member} is no longer fenced");
        }
    }

    private static bool IsYes(string text) => text is "true" or "1" or "yes" or "on";

    private static TimeSpan? Seconds(string text, TimeSpan fallback) =>
        text.Length == 0 ? fallback
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= LongestTimeoutSeconds ? TimeSpan.FromSeconds(seconds)
        : null;

    public static async Task TextAsync(HttpContext context, int status, string text)
    {
        var body = Encoding.UTF8.GetBytes(text + "\n");
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }
}
