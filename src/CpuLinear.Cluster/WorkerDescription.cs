namespace CpuLinear.Cluster;

/// <summary>What a silo says about itself: how much of a generation it should get.</summary>
[GenerateSerializer]
public sealed class WorkerDescription
{
    /// <summary>The weight of the silo's share of each generation (its cores, unless configured).</summary>
    [Id(0)]
    public int Cores { get; init; }

    /// <summary>The machine's name, for progress reports.</summary>
    [Id(1)]
    public string Machine { get; init; } = "";
}
