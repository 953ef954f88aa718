using System.Collections.Immutable;
using System.Text;

namespace Pgway.Model;

/// <summary>
/// An instance's pgb_hba.conf as Pigsty renders it from <c>pgb_default_hba_rules</c> and
/// <c>pgb_hba_rules</c> (v1: <c>pgbouncer_hba_rules</c> and <c>pgbouncer_hba_rules_extra</c>): the
/// file <c>pgway render pgb-hba</c> prints and the rules the pooler enforces when <c>auth_type</c> is
/// hba and no <c>auth_hba_file</c> is named. Rules of other roles are in it as comments, as Pigsty leaves them.
/// </summary>
internal sealed record PoolerHbaFile(ImmutableArray<PoolerHbaLine> Lines)
{
    public static readonly PoolerHbaFile Empty = new([]);

    /// <summary>The file's text, each line ending in a newline.</summary>
    public string Text
    {
        get
        {
            var text = new StringBuilder();
            foreach (var line in Lines)
            {
                text.Append(line.Text).Append('\n');
            }
            return text.ToString();
        }
    }
}
