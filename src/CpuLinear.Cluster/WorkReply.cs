namespace CpuLinear.Cluster;

/// <summary>A silo's answer to a <see cref="WorkOrder"/>: the range's fitnesses by member and the hash of its θ.</summary>
[GenerateSerializer]
public sealed class WorkReply
{
    /// <summary>The run the silo's replica belongs to.</summary>
    [Id(0)]
    public string RunId { get; init; } = "";

    /// <summary>The generation evaluated.</summary>
    [Id(1)]
    public long Generation { get; init; }

    /// <summary>First pair of the range.</summary>
    [Id(2)]
    public int FirstPair { get; init; }

    /// <summary>Pairs in the range.</summary>
    [Id(3)]
    public int PairCount { get; init; }

    /// <summary>What the silo did.</summary>
    [Id(4)]
    public WorkStatus Status { get; init; }

    /// <summary>2 · <see cref="PairCount"/> fitnesses (member 2i: pair FirstPair + i's θ + σε, 2i + 1: θ − σε) when <see cref="WorkStatus.Done"/>.</summary>
    [Id(5)]
    public double[] Fitness { get; init; } = [];

    /// <summary>The hash of the silo's θ at the start of the generation.</summary>
    [Id(6)]
    public ulong ThetaHash { get; init; }

    /// <summary>Seconds the silo spent on the order (its update and its evaluation).</summary>
    [Id(7)]
    public double ComputeSeconds { get; init; }

    /// <summary>Why, when the status is not <see cref="WorkStatus.Done"/>.</summary>
    [Id(8)]
    public string? Message { get; init; }

    /// <summary>HMAC-SHA256 of the fields above under the cluster's secret.</summary>
    [Id(9)]
    public byte[] Mac { get; set; } = [];
}
