using ILGPU;

namespace CpuLinear.Gpu;

/// <summary>
/// The ES update on the device with the host's bits: the gradient estimate ĝ (each parameter one FMA chain over the
/// pairs in index order, as <see cref="Evolution.PopulationNoise.Combine"/> and the kinds' estimates form it), the block
/// population's per-parameter normalisation, weight decay and Adam or SGD (<see cref="Evolution.EvolutionStrategy.Tell"/>,
/// <see cref="Optimization.AdamOptimizer.Update"/>), and the weight-RMS projection's sums.
/// </summary>
/// <remarks>
/// A chunk of pairs continues the chains the chunks before it left in ĝ (<see cref="GradientArguments.Continue"/>):
/// an FMA chain's only state is its float accumulator, so splitting the pairs into chunks cannot change a bit.
/// </remarks>
internal static class DeviceUpdateKernels
{
    /// <summary>
    /// ĝ's weights of one layer, element e = i·fan-out + o for e = X, X + stride, …: <c>acc = fma(cⱼ·A_j[i, t], B_j[t, o], acc)</c>
    /// over the chunk's pairs j and then t, in increasing order, with cⱼ = wⱼ/√r: the host's GEMM with k running over
    /// (pair, t) (<see cref="Evolution.LowRankNoise"/>'s combine).
    /// </summary>
    public static void LowRankWeights<TMath>(Index1D index, ArrayView<float> noise, ArrayView<float> pairScales, ArrayView<float> gradient, GradientArguments args)
        where TMath : struct, IDeviceArithmetic
    {
        TMath math = default;
        long count = (long)args.FanIn * args.FanOut;
        for (long e = (int)index; e < count; e += args.Stride)
        {
            long i = e / args.FanOut, o = e - (i * args.FanOut);
            long at = args.WeightOffset + e;
            float accumulator = args.Continue != 0 ? gradient[at] : 0f;
            for (int j = 0; j < args.Pairs; j++)
            {
                long vector = (long)j * args.NoiseLength;
                long a = vector + args.FactorA + (i * args.Rank), b = vector + args.FactorB + o;
                float c = pairScales[j];
                for (int t = 0; t < args.Rank; t++)
                {
                    accumulator = math.Apply(math.Mul(c, noise[a + t]), noise[b + ((long)t * args.FanOut)], accumulator);
                }
            }

            gradient[at] = accumulator;
        }
    }

    /// <summary>ĝ's biases X, X + stride, … of one layer: <c>acc = fma(ε_b,j[x], wⱼ, acc)</c> over the chunk's pairs in increasing order.</summary>
    public static void LowRankBias<TMath>(Index1D index, ArrayView<float> noise, ArrayView<float> weights, ArrayView<float> gradient, GradientArguments args)
        where TMath : struct, IDeviceArithmetic
    {
        TMath math = default;
        for (long x = (int)index; x < args.FanOut; x += args.Stride)
        {
            long at = args.BiasOffset + x;
            float accumulator = args.Continue != 0 ? gradient[at] : 0f;
            for (int j = 0; j < args.Pairs; j++)
            {
                accumulator = math.Apply(noise[((long)j * args.NoiseLength) + args.BiasNoise + x], weights[j], accumulator);
            }

            gradient[at] = accumulator;
        }
    }

    /// <summary>ĝ's parameters X, X + stride, … for full-rank members: <c>acc = fma(table[offset_j + x], wⱼ, acc)</c> over all pairs in increasing order.</summary>
    public static void FullRank<TMath>(Index1D index, ArrayView<float> table, ArrayView<int> offsets, ArrayView<float> weights, ArrayView<float> gradient, int pairs, int stride)
        where TMath : struct, IDeviceArithmetic
    {
        TMath math = default;
        for (long x = (int)index; x < gradient.Length; x += stride)
        {
            float accumulator = 0f;
            for (int j = 0; j < pairs; j++)
            {
                accumulator = math.Apply(table[offsets[j] + x], weights[j], accumulator);
            }

            gradient[x] = accumulator;
        }
    }

    /// <summary>values[offset + x] = +0 for x = X, X + stride, … below count (the host's <c>Clear</c>).</summary>
    public static void Clear(Index1D index, ArrayView<float> values, int offset, long count, int stride)
    {
        for (long x = (int)index; x < count; x += stride)
        {
            values[offset + x] = 0f;
        }
    }

    /// <summary>
    /// One block's part added to ĝ from its first perturbed parameter on (x counts from <paramref name="from"/>): the first
    /// block's part is copied, every later one added with one float add (<see cref="Evolution.BlockNoise"/>'s combine).
    /// </summary>
    public static void AddBlock<TMath>(Index1D index, ArrayView<float> part, ArrayView<float> gradient, int from, int first, int stride)
        where TMath : struct, IDeviceArithmetic
    {
        for (long at = from + (int)index; at < gradient.Length; at += stride)
        {
            gradient[at] = first != 0 ? part[at] : default(TMath).Add(gradient[at], part[at]);
        }
    }

    /// <summary>ĝ[from + x] ×= 1 / (2·nᵢ) for x below count, or +0 where no pair perturbs the range (<see cref="Evolution.BlockNoise"/>'s estimate).</summary>
    public static void ScaleRange<TMath>(Index1D index, ArrayView<float> gradient, int from, float inverseCount, int clear, long count, int stride)
        where TMath : struct, IDeviceArithmetic
    {
        for (long x = (int)index; x < count; x += stride)
        {
            long at = from + x;
            gradient[at] = clear != 0 ? 0f : default(TMath).Mul(gradient[at], inverseCount);
        }
    }

    /// <summary>
    /// The update of parameters X, X + stride, …, <see cref="Evolution.EvolutionStrategy.Tell"/>'s loops fused (each
    /// element's operations in the host's order): decoupled shrink, the direction d (λθ − ĝ or −ĝ), then Adam
    /// (<c>m = β₁m + (1−β₁)d; v = β₂v + ((1−β₂)d)d; θ −= (s·m) / (√v + ε')</c>) or SGD (<c>θ −= lr·d</c>).
    /// </summary>
    public static void Tell<TMath>(Index1D index, ArrayView<float> theta, ArrayView<float> gradient, ArrayView<float> firstMoment, ArrayView<float> secondMoment, TellArguments args)
        where TMath : struct, IDeviceArithmetic
    {
        TMath math = default;
        for (long x = (int)index; x < theta.Length; x += args.Stride)
        {
            float p = theta[x];
            if (args.Shrink != 0)
            {
                p = math.Mul(p, args.Keep);
            }

            float g = gradient[x];
            float d = args.L2 != 0 ? math.Sub(math.Mul(args.Decay, p), g) : -g;
            if (args.Adam != 0)
            {
                float m = math.Add(math.Mul(args.Beta1, firstMoment[x]), math.Mul(args.OneMinusBeta1, d));
                float v = math.Add(math.Mul(args.Beta2, secondMoment[x]), math.Mul(math.Mul(args.OneMinusBeta2, d), d));
                firstMoment[x] = m;
                secondMoment[x] = v;
                p = math.Sub(p, math.Mul(args.StepSize, m) / math.Add(MathF.Sqrt(v), args.ScaledEpsilon));
            }
            else
            {
                p = math.Sub(p, math.Mul(args.LearningRate, d));
            }

            theta[x] = p;
        }
    }

    /// <summary>
    /// Σ w² over θ[offset, offset + count) in double, in index order, by one thread (X = 0): the sum
    /// <see cref="Networks.NetworkParameters.WeightRms"/> takes (each square is exact in double).
    /// </summary>
    public static void SumOfSquares<TMath>(Index1D index, ArrayView<float> theta, ArrayView<double> sums, int offset, int count, int slot)
        where TMath : struct, IDeviceArithmetic
    {
        TMath math = default;
        double squares = 0;
        for (int i = 0; i < count; i++)
        {
            double w = theta[offset + i];
            squares = math.Add(squares, math.Mul(w, w));
        }

        sums[slot + index] = squares;
    }

    /// <summary>θ[offset + x] ×= factor for x = X, X + stride, … below count (<see cref="Training.WeightRmsProjection"/>).</summary>
    public static void Scale<TMath>(Index1D index, ArrayView<float> theta, int offset, float factor, long count, int stride)
        where TMath : struct, IDeviceArithmetic
    {
        for (long x = (int)index; x < count; x += stride)
        {
            theta[offset + x] = default(TMath).Mul(theta[offset + x], factor);
        }
    }
}
