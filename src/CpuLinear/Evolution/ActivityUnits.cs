namespace CpuLinear.Evolution;

/// <summary>Which units of a row an activity member perturbs (<see cref="EvolutionSettings.ActivityPairs"/>).</summary>
public enum ActivityUnits
{
    /// <summary>
    /// Every unit of the layer, flushed or not: the literal program seen as a black box from the perturbed product on,
    /// with the dead zone's edge inside the search (a member may carry a unit across it).
    /// </summary>
    All,

    /// <summary>
    /// Only the units whose output is non-zero at the centre and at both ±σ: no member carries a unit across the
    /// flush's edge in the layer it perturbs, so the estimate holds no jump of that layer's dead zone. The choice reads
    /// where the flush is, so a run that uses it is labelled as such.
    /// </summary>
    Live,
}
