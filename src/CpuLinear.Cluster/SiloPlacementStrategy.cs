using Orleans.Runtime;

namespace CpuLinear.Cluster;

/// <summary>Places a grain on the silo its string key names (<c>SiloAddress.ToParsableString()</c>).</summary>
[Serializable]
[GenerateSerializer]
[Immutable]
public sealed class SiloPlacementStrategy : PlacementStrategy
{
}
