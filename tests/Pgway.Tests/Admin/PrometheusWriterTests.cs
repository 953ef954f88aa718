using Pgway.Admin;

namespace Pgway.Tests.Admin;

public sealed class PrometheusWriterTests
{
    [Fact]
    public void Sample_LabelsAndHelp_EscapedAsTheFormatSays()
    {
        var text = new PrometheusWriter()
            .Family("pgway_x", "gauge", "a \\ help\nline with \"quotes\"")
            .Sample(1, ("service", "a\"b\\c\nd"), ("member", "m-1"))
            .ToString();

        Assert.Equal("""
            # HELP pgway_x a \\ help\nline with "quotes"
            # TYPE pgway_x gauge
            pgway_x{service="a\"b\\c\nd",member="m-1"} 1

            """.ReplaceLineEndings("\n"), text);
    }

    [Fact]
    public void Sample_NoLabels_NameSpaceValue()
    {
        var text = new PrometheusWriter().Family("pgway_y", "counter", "y").Sample(42).ToString();

        Assert.EndsWith("\npgway_y 42\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(1.5, "1.5")]
    [InlineData(0.001234, "0.001234")]
    [InlineData(12345678901234.0, "12345678901234")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    public void Format_Number_AsPrometheusSpellsIt(double value, string expected) =>
        Assert.Equal(expected, PrometheusWriter.Format(value));

    [Fact]
    public void Sample_BeforeFamily_Throws() =>
        Assert.Throws<InvalidOperationException>(() => new PrometheusWriter().Sample(1));
}
