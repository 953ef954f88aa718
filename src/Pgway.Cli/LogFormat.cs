namespace Pgway.Cli;

/// <summary><c>--log-format</c>: how the long-running commands write their log.</summary>
internal enum LogFormat
{
    /// <summary>One timestamped line of text per event.</summary>
    Simple,

    /// <summary>One JSON object per line (Microsoft.Extensions.Logging's JSON console format).</summary>
    Json,
}
