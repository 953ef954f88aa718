using System.Globalization;
using System.Text;

namespace Pgway.Admin;

/// <summary>
/// Writes Prometheus' text exposition format 0.0.4: a family's HELP and TYPE lines, then its samples
/// <c>name{label="value",…} number</c>, with label values and help text escaped as the format says.
/// </summary>
internal sealed class PrometheusWriter
{
    /// <summary>The Content-Type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder text = new();
    private string? family;

    /// <summary>Starts a family: every sample written until the next call belongs to it.</summary>
    /// <param name="type"><c>gauge</c>, <c>counter</c> or <c>untyped</c>.</param>
    public PrometheusWriter Family(string name, string type, string help)
    {
        family = name;
        text.Append("# HELP ").Append(name).Append(' ');
        AppendEscaped(help, quotes: false);
        text.Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        return this;
    }

    /// <summary>A sample of the current family; labels are name and value pairs, in the order given.</summary>
    public PrometheusWriter Sample(double value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        if (family is null)
        {
            throw new InvalidOperationException("a sample needs a family first");
        }
        text.Append(family);
        if (labels.Length > 0)
        {
            text.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                if (i > 0)
                {
                    text.Append(',');
                }
                text.Append(labels[i].Name).Append("=\"");
                AppendEscaped(labels[i].Value, quotes: true);
                text.Append('"');
            }
            text.Append('}');
        }
        text.Append(' ').Append(Format(value)).Append('\n');
        return this;
    }

    public override string ToString() => text.ToString();

    /// <summary>A number as the format spells it: <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>, or the shortest round-trip text.</summary>
    public static string Format(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    // Backslash and line feed are escaped in help text and label values; double quotes in label values only.
    private void AppendEscaped(string value, bool quotes)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    text.Append(@"\\");
                    break;
                case '\n':
                    text.Append(@"\n");
                    break;
                case '"' when quotes:
                    text.Append("\\\"");
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }
    }
}
