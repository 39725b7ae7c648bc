namespace CpuLinear.Cluster;

/// <summary>
/// The state a silo needs to hold a replica of the run: the coordinator's ES checkpoint at the current generation
/// (θ, Adam's m and v, the settings and seed) and the training data's name. Sent when a silo joins, or when its
/// replica is of another run or generation; the only large message.
/// </summary>
[GenerateSerializer]
public sealed class ReplicaSync
{
    /// <summary>The run.</summary>
    [Id(0)]
    public string RunId { get; init; } = "";

    /// <summary>The training data, by the name <c>Datasets.Load</c> takes; each silo loads its own copy.</summary>
    [Id(1)]
    public string Dataset { get; init; } = "";

    /// <summary>The ES checkpoint (safetensors bytes) at the start of the generation in flight.</summary>
    [Id(2)]
    public byte[] Checkpoint { get; init; } = [];

    /// <summary>HMAC-SHA256 of the fields above under the cluster's secret.</summary>
    [Id(3)]
    public byte[] Mac { get; set; } = [];
}
