using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace CpuLinear.Cluster;

/// <summary>
/// Activates a <see cref="SiloPlacementStrategy"/> grain on the silo its key names, and nowhere else: a call to
/// the worker of a silo that has left the cluster fails instead of running on another silo.
/// </summary>
internal sealed class SiloPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string key = target.GrainIdentity.Key.ToString() ?? "";
        SiloAddress wanted = SiloAddress.FromParsableString(key);
        foreach (SiloAddress silo in context.GetCompatibleSilos(target))
        {
            if (silo.Equals(wanted))
            {
                return Task.FromResult(silo);
            }
        }

        throw new SiloUnavailableException($"Silo {key} is not an active member of the cluster.");
    }
}
