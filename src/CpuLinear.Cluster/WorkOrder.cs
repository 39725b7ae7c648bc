namespace CpuLinear.Cluster;

/// <summary>
/// The coordinator's message to a silo for one range of one generation: small on purpose (OpenAI-ES's shared-seed
/// design), it names the members and carries the previous generation's fitnesses so the silo's replica applies the
/// same update as every other node before it evaluates.
/// </summary>
[GenerateSerializer]
public sealed class WorkOrder
{
    /// <summary>The run (a replica of another run refuses the order).</summary>
    [Id(0)]
    public string RunId { get; init; } = "";

    /// <summary>The generation to evaluate.</summary>
    [Id(1)]
    public long Generation { get; init; }

    /// <summary>Generation − 1's fitness vector by member index (null when the coordinator has none, e.g. the first generation of a session).</summary>
    [Id(2)]
    public double[]? PreviousFitness { get; init; }

    /// <summary>The hash of the coordinator's θ at the start of <see cref="Generation"/> (<see cref="ThetaHash"/>).</summary>
    [Id(3)]
    public ulong ThetaHash { get; init; }

    /// <summary>First pair of the range.</summary>
    [Id(4)]
    public int FirstPair { get; init; }

    /// <summary>Pairs in the range.</summary>
    [Id(5)]
    public int PairCount { get; init; }

    /// <summary>HMAC-SHA256 of the fields above under the cluster's secret (<see cref="MessageAuthenticator"/>).</summary>
    [Id(6)]
    public byte[] Mac { get; set; } = [];
}
