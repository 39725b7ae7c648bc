using CpuLinear.Kernels;
using CpuLinear.Networks;

namespace CpuLinear.Evolution;

/// <summary>
/// Where each piece of one antithetic pair's low-rank noise lies in its vector: per layer l the factors
/// A (fan-in x r, row-major) and then B (r x fan-out), all layers' factors first, then every layer's bias noise.
/// The trainer draws the vector; a compute backend receives it and builds the pair's two members from it.
/// </summary>
public sealed class LowRankNoiseLayout
{
    private readonly int[] _factorOffset;
    private readonly int[] _biasNoiseOffset;

    /// <param name="architecture">The network whose members the noise perturbs.</param>
    /// <param name="rank">r ≥ 1: the rank of each weight matrix's perturbation.</param>
    public LowRankNoiseLayout(NetworkArchitecture architecture, int rank)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        Architecture = architecture;
        Rank = rank;
        _factorOffset = new int[architecture.LayerCount];
        _biasNoiseOffset = new int[architecture.LayerCount];
        int length = 0;
        for (int l = 0; l < architecture.LayerCount; l++)
        {
            _factorOffset[l] = length;
            length += (architecture.Widths[l] + architecture.Widths[l + 1]) * rank;
        }

        for (int l = 0; l < architecture.LayerCount; l++)
        {
            _biasNoiseOffset[l] = length;
            length += architecture.Widths[l + 1];
        }

        Length = length;
    }

    /// <summary>The network the layout belongs to.</summary>
    public NetworkArchitecture Architecture { get; }

    /// <summary>The perturbation rank r.</summary>
    public int Rank { get; }

    /// <summary>Floats in one pair's noise vector.</summary>
    public int Length { get; }

    /// <summary>Start of layer <paramref name="layer"/>'s factor A (fan-in x r); its B (r x fan-out) follows it.</summary>
    public int FactorA(int layer) => _factorOffset[layer];

    /// <summary>Start of layer <paramref name="layer"/>'s factor B (r x fan-out).</summary>
    public int FactorB(int layer) => _factorOffset[layer] + (Architecture.Widths[layer] * Rank);

    /// <summary>Start of layer <paramref name="layer"/>'s bias noise (fan-out values).</summary>
    public int BiasNoise(int layer) => _biasNoiseOffset[layer];

    /// <summary>
    /// Writes the member <c>θ + scale·ε</c> of one pair into <paramref name="values"/>: every bias
    /// <c>b[c] = fma(ε_b[c], scale, θ_b[c])</c> and, with <paramref name="laterWeights"/>, the weights from the second
    /// layer on, <c>W + (scale/√r)·A·B</c>, row i gaining <c>fma((scale/√r)·A[i, t], B[t, c], w)</c> for t in
    /// increasing order (the product rounded first). The first weight matrix is not touched: its rank-r term is
    /// added to the population's shared product <c>x·W₁</c> instead.
    /// </summary>
    /// <param name="centre">θ (<see cref="NetworkArchitecture.ParameterCount"/> floats).</param>
    /// <param name="noise">The pair's noise vector (<see cref="Length"/> floats).</param>
    /// <param name="scale">+σ or −σ.</param>
    /// <param name="values">Receives the member (<see cref="NetworkArchitecture.ParameterCount"/> floats).</param>
    /// <param name="laterWeights">False: write the biases only (the CPU trainer adds the rank-r terms as its GEMMs pack the weights).</param>
    public void WriteMember(ReadOnlySpan<float> centre, ReadOnlySpan<float> noise, float scale, Span<float> values, bool laterWeights = true)
    {
        NetworkArchitecture net = Architecture;
        float factorScale = scale / MathF.Sqrt(Rank);
        for (int l = 0; l < net.LayerCount; l++)
        {
            int fanIn = net.Widths[l], fanOut = net.Widths[l + 1];
            Span<float> bias = values.Slice(net.BiasOffset(l), fanOut);
            centre.Slice(net.BiasOffset(l), fanOut).CopyTo(bias);
            FusedMultiplyAdd.Accumulate(bias, noise.Slice(BiasNoise(l), fanOut), scale);
            if (l == 0 || !laterWeights)
            {
                continue;
            }

            ReadOnlySpan<float> a = noise.Slice(FactorA(l), fanIn * Rank);
            ReadOnlySpan<float> b = noise.Slice(FactorB(l), Rank * fanOut);
            Span<float> w = values.Slice(net.WeightOffset(l), fanIn * fanOut);
            centre.Slice(net.WeightOffset(l), fanIn * fanOut).CopyTo(w);
            for (int i = 0; i < fanIn; i++)
            {
                Span<float> row = w.Slice(i * fanOut, fanOut);
                for (int t = 0; t < Rank; t++)
                {
                    FusedMultiplyAdd.Accumulate(row, b.Slice(t * fanOut, fanOut), factorScale * a[(i * Rank) + t]);
                }
            }
        }
    }
}
