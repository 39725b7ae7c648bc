using CpuLinear.Networks;

namespace CpuLinear.Experiments;

/// <summary>Settings of the bottleneck experiment (<see cref="BottleneckExperiment"/>).</summary>
public sealed record BottleneckSettings
{
    /// <summary>Input features of every network (inputs are uniform in [0, 1], like pixels).</summary>
    public int InputWidth { get; init; } = 64;

    /// <summary>Outputs (logits) of every network.</summary>
    public int Outputs { get; init; } = 10;

    /// <summary>Input rows the outputs are measured on.</summary>
    public int Samples { get; init; } = 64;

    /// <summary>Hidden widths m: each gives a wide network and the two bottleneck networks of that width.</summary>
    public IReadOnlyList<int> HiddenWidths { get; init; } = [128, 512];

    /// <summary>Width k of a bottleneck layer.</summary>
    public int BottleneckWidth { get; init; } = 1;

    /// <summary>Random directions per network (the same ones for every radius and semantics).</summary>
    public int Directions { get; init; } = 16;

    /// <summary>Radii R, in the NTK norm of the weight change (see <see cref="BottleneckExperiment"/>).</summary>
    public IReadOnlyList<double> Radii { get; init; } = [1.0 / 64, 1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2, 1, 2, 4];

    /// <summary>The kind of random direction.</summary>
    public WeightDirectionKind DirectionKind { get; init; } = WeightDirectionKind.Tangent;

    /// <summary>The semantics the outputs are computed under.</summary>
    public IReadOnlyList<FloatSemantics> Semantics { get; init; } = [FloatSemantics.Ieee, FloatSemantics.FtzElementwise];

    /// <summary>Seeds the networks' θ₀, the inputs and the directions.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Threads directions are evaluated on (the results do not depend on it).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// The networks, all of depth 6 but the first: the one-layer map d-c; then for each hidden width m the wide
    /// d-m-m-m-m-m-c, one bottleneck d-m-m-k-m-m-c and two bottlenecks d-m-k-m-k-m-c.
    /// </summary>
    public IReadOnlyList<(string Name, NetworkArchitecture Architecture)> Networks()
    {
        int d = InputWidth, c = Outputs, k = BottleneckWidth;
        var networks = new List<(string, NetworkArchitecture)> { ("one-layer", new NetworkArchitecture([d, c])) };
        foreach (int m in HiddenWidths)
        {
            networks.Add(($"wide-{m}", new NetworkArchitecture([d, m, m, m, m, m, c])));
            networks.Add(($"bottleneck1-{m}", new NetworkArchitecture([d, m, m, k, m, m, c])));
            networks.Add(($"bottleneck2-{m}", new NetworkArchitecture([d, m, k, m, k, m, c])));
        }

        return networks;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (InputWidth < 1 || Outputs < 1 || Samples < 1 || BottleneckWidth < 1 || Directions < 1 || Threads < 1)
        {
            throw new ArgumentException($"Input width, outputs, samples, bottleneck width, directions and threads must be positive; got {InputWidth}, {Outputs}, {Samples}, {BottleneckWidth}, {Directions}, {Threads}.");
        }

        if (HiddenWidths.Count == 0 || HiddenWidths.Any(m => m < 1))
        {
            throw new ArgumentException($"Give at least one hidden width, each positive; got '{string.Join(",", HiddenWidths)}'.");
        }

        // 2R is evaluated too, and must stay a finite, normal multiplier.
        if (Radii.Count == 0 || Radii.Any(r => !(r > 0) || r > 1e6 || r < 1e-12))
        {
            throw new ArgumentException($"Radii must be in [1e-12, 1e6]; got '{string.Join(",", Radii)}'.");
        }

        if (Semantics.Count == 0 || Semantics.Any(s => !Enum.IsDefined(s)) || Semantics.Distinct().Count() != Semantics.Count)
        {
            throw new ArgumentException($"Give each semantics at most once, at least one; got '{string.Join(",", Semantics)}'.");
        }

        if (!Enum.IsDefined(DirectionKind))
        {
            throw new ArgumentException($"Unknown direction kind {DirectionKind}.");
        }

        _ = Networks();
    }
}
