using System.Collections.Immutable;
using Pgway.Model;

namespace Pgway.Hosting;

/// <summary>A service a reload keeps on its port with other settings or members.</summary>
/// <param name="MembersAdded">Instances that are new members.</param>
/// <param name="MembersRemoved">Instances that are members no more.</param>
/// <param name="MembersChanged">Members whose weight, backup flag, address or ports changed.</param>
/// <param name="SettingsChanged">Whether anything but the members changed (check, balance, options, maxconn, selectors), or their order.</param>
internal sealed record ServiceChange(
    Service Before,
    Service After,
    ImmutableArray<string> MembersAdded,
    ImmutableArray<string> MembersRemoved,
    ImmutableArray<string> MembersChanged,
    bool SettingsChanged)
{
    public override string ToString()
    {
        var parts = new List<string>();
        if (SettingsChanged)
        {
            parts.Add("settings");
        }
        if (MembersAdded.Length > 0)
        {
            parts.Add($"+{string.Join(",", MembersAdded)}");
        }
        if (MembersRemoved.Length > 0)
        {
            parts.Add($"-{string.Join(",", MembersRemoved)}");
        }
        if (MembersChanged.Length > 0)
        {
            parts.Add($"~{string.Join(",", MembersChanged)}");
        }
        return $"{After.FullName} ({string.Join(" ", parts)})";
    }
}
