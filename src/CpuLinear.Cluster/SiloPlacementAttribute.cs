using Orleans.Placement;

namespace CpuLinear.Cluster;

/// <summary>Marks a grain whose key is the address of the silo it must run on.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloPlacementAttribute : PlacementAttribute
{
    /// <summary>The attribute.</summary>
    public SiloPlacementAttribute()
        : base(new SiloPlacementStrategy())
    {
    }
}
