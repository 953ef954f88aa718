namespace Pgway.Tests.Configuration.Pigsty;

/// <summary>A fact that runs only where Pigsty's shipped inventories are (see <see cref="PigstyConfigs"/>).</summary>
public sealed class PigstyConfigsFactAttribute : FactAttribute
{
    public PigstyConfigsFactAttribute()
    {
        if (PigstyConfigs.Folder is null)
        {
            Skip = $"Pigsty's shipped inventories are not here (set {PigstyConfigs.Variable})";
        }
    }
}
