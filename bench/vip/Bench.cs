using System.Globalization;

namespace Pgway.Bench.Vip;

/// <summary>Progress lines on stderr (the table goes to stdout).</summary>
internal static class Bench
{
    public static void Say(string line) =>
        Console.Error.WriteLine($"{DateTime.UtcNow.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {line}");
}
