using CpuLinear.Networks;

namespace CpuLinear.Scoring;

/// <summary>
/// Two runs from the same start θ₀, compared per parameter block: how far each moved (dA = A − θ₀, dB = B − θ₀),
/// how far apart they ended, and the cosine between the displacements. If each displacement is a shared part s
/// plus independent noise of equal size, cos(dA, dB) = |s|² / (|s|² + |n|²): <see cref="BlockDisplacement.NoiseFraction"/>
/// = 1 − cos is the share of a run's squared displacement that the other run does not repeat.
/// </summary>
public static class DisplacementComparison
{
    /// <summary>One entry per weight matrix and bias vector (in layer order), then one for all parameters.</summary>
    /// <exception cref="ArgumentException">The three networks do not share one architecture.</exception>
    public static IReadOnlyList<BlockDisplacement> Compare(NetworkParameters start, NetworkParameters a, NetworkParameters b)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!SameShape(start.Architecture, a.Architecture) || !SameShape(start.Architecture, b.Architecture))
        {
            throw new ArgumentException($"The networks differ: start {start.Architecture}, A {a.Architecture}, B {b.Architecture}.");
        }

        var blocks = new List<BlockDisplacement>();
        NetworkArchitecture net = start.Architecture;
        for (int l = 0; l < net.LayerCount; l++)
        {
            blocks.Add(Block($"W{l + 1}", net.WeightOffset(l), net.Widths[l] * net.Widths[l + 1], start, a, b));
            blocks.Add(Block($"b{l + 1}", net.BiasOffset(l), net.Widths[l + 1], start, a, b));
        }

        blocks.Add(Block("all", 0, net.ParameterCount, start, a, b));
        return blocks;
    }

    private static bool SameShape(NetworkArchitecture x, NetworkArchitecture y) => x.Widths.SequenceEqual(y.Widths);

    // Sums in double, in index order.
    private static BlockDisplacement Block(string name, int offset, int length, NetworkParameters start, NetworkParameters a, NetworkParameters b)
    {
        ReadOnlySpan<float> s = start.Values.AsSpan(offset, length), x = a.Values.AsSpan(offset, length), y = b.Values.AsSpan(offset, length);
        double aa = 0, bb = 0, ab = 0, apart = 0, origin = 0;
        for (int i = 0; i < length; i++)
        {
            double da = x[i] - (double)s[i], db = y[i] - (double)s[i], d = x[i] - (double)y[i];
            aa += da * da;
            bb += db * db;
            ab += da * db;
            apart += d * d;
            origin += (double)s[i] * s[i];
        }

        double cosine = aa > 0 && bb > 0 ? ab / Math.Sqrt(aa * bb) : double.NaN;
        return new BlockDisplacement(name, length, Math.Sqrt(origin), Math.Sqrt(aa), Math.Sqrt(bb), Math.Sqrt(apart), cosine);
    }
}
