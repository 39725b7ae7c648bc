using ILGPU;

namespace CpuLinear.Gpu;

/// <summary>
/// The device side of a whole ES generation's members beyond the GEMMs: the minibatch gathered from the resident
/// training set, θ's first-layer activations, full-rank members, and the second layer of unit-subset and later-layer
/// members from θ's shared activations (<see cref="Populations.UnitSubsetMembers"/>, <see cref="Populations.LaterLayerMembers"/>),
/// each element the same chain of roundings as on the CPU engine. Member m of a launch is its pair m / 2 with +σ for even m.
/// </summary>
internal static class DevicePopulationKernels
{
    /// <summary>batch[row, f] = data[indices[row], f] (X the feature, Y the row).</summary>
    public static void GatherRows(Index2D index, ArrayView<float> data, ArrayView<int> indices, ArrayView<float> batch, int features) =>
        batch[((long)index.Y * features) + index.X] = data[((long)indices[index.Y] * features) + index.X];

    /// <summary>θ's first-layer activations <c>H₁ = D_out(D_in(S) + D_in(b₁))</c> from the raw product S = x·W₁ (X the unit, Y the row).</summary>
    public static void FirstActivation<TMath>(Index2D index, ArrayView<float> product, ArrayView<float> theta, ArrayView<float> activation, SubsetArguments args)
        where TMath : struct, IDeviceArithmetic
    {
        long at = ((long)index.Y * args.Width) + index.X;
        float bias = DeviceKernels.DeadZone(theta[args.BiasOffset0 + index.X], args.Inner0);
        activation[at] = DeviceKernels.DeadZone(default(TMath).Add(DeviceKernels.DeadZone(product[at], args.Inner0), bias), args.Outer0);
    }

    /// <summary>
    /// Full-rank members' parameters, element e = m·P + i for e = X, X + stride, … below <paramref name="count"/>:
    /// <c>fma(table[offset_j + i], ±σ, θ[i])</c> with j = firstPair + m / 2, as <see cref="Evolution.FullRankNoise.WriteMember"/> writes it.
    /// </summary>
    public static void FullRankMembers<TMath>(
        Index1D index, ArrayView<float> theta, ArrayView<float> table, ArrayView<int> offsets, ArrayView<float> members, int firstPair, float sigma, long count, int stride)
        where TMath : struct, IDeviceArithmetic
    {
        long parameters = theta.Length;
        for (long e = (int)index; e < count; e += stride)
        {
            long member = e / parameters, i = e - (member * parameters);
            float scale = (member & 1) == 0 ? sigma : -sigma;
            int offset = offsets[firstPair + (member >> 1)];
            members[e] = default(TMath).Apply(table[offset + i], scale, theta[i]);
        }
    }

    /// <summary>
    /// A unit-subset member's change Δ on unit u of row n (X = u, Y = n, Z = member): the unit's first-layer output as the
    /// dense member computes it, <c>D_out(D_in(S[n, unit] + Σₜ B₁[t, unit]·(c·P₁[n, t])) + D_in(b₁'[unit]))</c> with t increasing,
    /// minus θ's H₁[n, unit].
    /// </summary>
    public static void UnitDelta<TMath>(
        Index3D index, ArrayView<float> product, ArrayView<float> activation, ArrayView<float> inputProjection, ArrayView<float> noise,
        ArrayView<int> units, ArrayView<float> theta, ArrayView<float> delta, SubsetArguments args)
        where TMath : struct, IDeviceArithmetic
    {
        TMath math = default;
        int u = index.X, n = index.Y, member = index.Z, pair = member >> 1;
        float scale = (member & 1) == 0 ? args.Sigma : -args.Sigma, c = (member & 1) == 0 ? args.FactorScale : -args.FactorScale;
        int unit = units[((long)pair * args.Units) + u];
        long vector = (long)pair * args.NoiseLength, projection = (((long)pair * args.Rows) + n) * args.Rank;
        float v = product[((long)n * args.Width) + unit];
        for (int t = 0; t < args.Rank; t++)
        {
            v = math.Apply(noise[vector + args.FactorB0 + ((long)t * args.Width) + unit], math.Mul(c, inputProjection[projection + t]), v);
        }

        float bias = DeviceKernels.DeadZone(math.Apply(noise[vector + args.BiasNoise0 + unit], scale, theta[args.BiasOffset0 + unit]), args.Inner0);
        float pre = DeviceKernels.DeadZone(math.Add(DeviceKernels.DeadZone(v, args.Inner0), bias), args.Outer0);
        delta[((((long)member * args.Rows) + n) * args.Units) + u] = math.Sub(pre, activation[((long)n * args.Width) + unit]);
    }

    /// <summary>
    /// The weight of B₂'s row t in row n's second layer (X = t, Y = n, Z = member): <c>c·(H₁·A₂[n, t] + Σᵤ Δ[n, u]·A₂[unit, t])</c>,
    /// units in increasing order (none for later-layer members).
    /// </summary>
    public static void FactorWeights<TMath>(
        Index3D index, ArrayView<float> activationProjection, ArrayView<float> noise, ArrayView<int> units, ArrayView<float> delta,
        ArrayView<float> updates, SubsetArguments args)
        where TMath : struct, IDeviceArithmetic
    {
        TMath math = default;
        int t = index.X, n = index.Y, member = index.Z, pair = member >> 1;
        float c = (member & 1) == 0 ? args.FactorScale : -args.FactorScale;
        long vector = (long)pair * args.NoiseLength, row = ((long)member * args.Rows) + n;
        float v = activationProjection[((((long)pair * args.Rows) + n) * args.Rank) + t];
        for (int u = 0; u < args.Units; u++)
        {
            int unit = units[((long)pair * args.Units) + u];
            v = math.Apply(delta[(row * args.Units) + u], noise[vector + args.FactorA1 + ((long)unit * args.Rank) + t], v);
        }

        updates[(row * args.Rank) + t] = math.Mul(c, v);
    }

    /// <summary>
    /// A member's second-layer output (X the column, Y = n, Z = member), <see cref="Kernels.WeightedRowSum"/>'s chain:
    /// <c>D_out(D_in(H₁·W₂[n, col] + Σᵤ W₂[unit, col]·Δ[n, u] + Σₜ B₂[t, col]·w[n, t]) + D_in(b₂'[col]))</c>.
    /// </summary>
    public static void SecondLayer<TMath>(
        Index3D index, ArrayView<float> secondProduct, ArrayView<float> theta, ArrayView<float> noise, ArrayView<int> units,
        ArrayView<float> delta, ArrayView<float> updates, ArrayView<float> output, SubsetArguments args)
        where TMath : struct, IDeviceArithmetic
    {
        TMath math = default;
        int column = index.X, n = index.Y, member = index.Z, pair = member >> 1;
        float scale = (member & 1) == 0 ? args.Sigma : -args.Sigma;
        long vector = (long)pair * args.NoiseLength, row = ((long)member * args.Rows) + n;
        float accumulator = secondProduct[((long)n * args.Next) + column];
        for (int u = 0; u < args.Units; u++)
        {
            int unit = units[((long)pair * args.Units) + u];
            accumulator = math.Apply(theta[args.WeightOffset1 + ((long)unit * args.Next) + column], delta[(row * args.Units) + u], accumulator);
        }

        for (int t = 0; t < args.Rank; t++)
        {
            accumulator = math.Apply(noise[vector + args.FactorB1 + ((long)t * args.Next) + column], updates[(row * args.Rank) + t], accumulator);
        }

        float bias = DeviceKernels.DeadZone(math.Apply(noise[vector + args.BiasNoise1 + column], scale, theta[args.BiasOffset1 + column]), args.Inner1);
        output[(row * args.Next) + column] = DeviceKernels.DeadZone(math.Add(DeviceKernels.DeadZone(accumulator, args.Inner1), bias), args.Outer1);
    }
}
