using CommunityToolkit.HighPerformance;
using CpuLinear.Experiments;
using CpuLinear.Networks;
using CpuLinear.Numerics;
using CpuLinear.Randomness;

namespace CpuLinear.Tests.Experiments;

/// <summary>
/// The recurrent program against the same program written out one scalar at a time, bit for bit, under each
/// semantics. The sizes are odd (7 sequences of 9 steps, 5 state units, 3 classes) and the weights large enough that
/// many state values fall inside the dead zone, so that the flushes are exercised, not skipped.
/// </summary>
public sealed class LinearRnnExecutorTests
{
    private const int Batch = 7, Length = 9, States = 5, Classes = 3;

    public static TheoryData<FloatSemantics, StateMatrixKind> Cases => new()
    {
        { FloatSemantics.Ieee, StateMatrixKind.PositiveEigenvalues },
        { FloatSemantics.FtzElementwise, StateMatrixKind.PositiveEigenvalues },
        { FloatSemantics.FtzEverywhere, StateMatrixKind.PositiveEigenvalues },
        { FloatSemantics.FtzElementwise, StateMatrixKind.Free },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_equals_the_written_out_scalar_program_bit_for_bit(FloatSemantics semantics, StateMatrixKind kind)
    {
        if (semantics == FloatSemantics.FtzEverywhere && !FloatEnvironment.Supports(FloatMode.FlushToZeroAndDenormalsAreZero))
        {
            // No hardware flush: the executor must refuse rather than compute something else.
            Assert.Throws<NotSupportedException>(() => new LinearRnnExecutor(semantics));
            return;
        }

        (LinearRnnWeights weights, float[] x) = Problem(kind);
        float[] expected = ScalarReference.Forward(weights, x, Batch, Length, semantics);
        foreach (int threads in new[] { 1, 3 })
        {
            float[] actual = Run(weights, x, semantics, threads);
            Assert.Equal(Bits(expected), Bits(actual));
        }

        Assert.Equal(FloatMode.Ieee, FloatEnvironment.CurrentMode);
    }

    [Fact]
    public void The_semantics_give_different_logits_on_this_problem()
    {
        // Otherwise the bit-for-bit test above could pass with the flushes missing.
        (LinearRnnWeights weights, float[] x) = Problem(StateMatrixKind.PositiveEigenvalues);
        float[] ieee = Run(weights, x, FloatSemantics.Ieee, 1);
        float[] elementwise = Run(weights, x, FloatSemantics.FtzElementwise, 1);
        Assert.NotEqual(Bits(ieee), Bits(elementwise));
        if (FloatEnvironment.Supports(FloatMode.FlushToZeroAndDenormalsAreZero))
        {
            Assert.NotEqual(Bits(elementwise), Bits(Run(weights, x, FloatSemantics.FtzEverywhere, 1)));
        }
    }

    [Fact]
    public void Positive_parametrisation_has_the_eigenvalues_it_was_given()
    {
        // W·qᵢ = λᵢ·qᵢ for the columns qᵢ of Q = I + A, in double, for a random A far from the identity.
        const int n = 6;
        var a = new float[n * n];
        new CounterRandom(11, 1).FillNormal(a, 0.6f);
        float[] ell = [0.1f, -0.5f, 0.9f, 1.3f, 0f, 2f];
        var w = new double[n * n];
        Assert.True(PositiveEigenvalueMatrix.TryCompose(a, ell, n, w, out double condition));
        Assert.True(condition >= n, $"‖Q‖_F·‖Q⁻¹‖_F ≥ ‖I‖_F² = n; got {condition}");
        for (int k = 0; k < n; k++)
        {
            double lambda = PositiveEigenvalueMatrix.Eigenvalue(ell[k]);
            Assert.True(lambda >= LinearRnnArchitecture.EigenvalueFloor);
            for (int i = 0; i < n; i++)
            {
                double wq = 0;
                for (int j = 0; j < n; j++)
                {
                    wq += w[(i * n) + j] * ((double)a[(j * n) + k] + (j == k ? 1 : 0));
                }

                double q = (double)a[(i * n) + k] + (i == k ? 1 : 0);
                Assert.True(Math.Abs(wq - (lambda * q)) < 1e-12 * condition * 10, $"(W·q{k})[{i}] = {wq}, λ·q = {lambda * q}");
            }
        }

        // I + A singular (A = −I): no matrix, and the weights refuse the θ.
        var singular = new float[n * n];
        for (int i = 0; i < n; i++)
        {
            singular[(i * n) + i] = -1;
        }

        Assert.False(PositiveEigenvalueMatrix.TryCompose(singular, ell, n, w, out _));
        var architecture = new LinearRnnArchitecture(n);
        var theta = new float[architecture.ParameterCount];
        singular.CopyTo(theta, 0);
        Assert.False(LinearRnnWeights.TryCreate(architecture, theta, out _));
    }

    [Fact]
    public void Initial_weights_are_certified_positive_and_both_kinds_start_from_the_same_matrix()
    {
        var positive = new LinearRnnArchitecture(16);
        var free = new LinearRnnArchitecture(16, StateMatrixKind.Free);
        Assert.True(LinearRnnWeights.TryCreate(positive, positive.Initialize(3), out LinearRnnWeights p));
        Assert.True(LinearRnnWeights.TryCreate(free, free.Initialize(3), out LinearRnnWeights f));
        Assert.True(p.EigenvaluesCertifiedPositive, $"radius {p.EigenvalueRadius} against smallest λ {p.SmallestEigenvalue}");
        Assert.Equal(0.5, p.SmallestEigenvalue, 6);
        Assert.Equal(Bits(p.State), Bits(f.State));
        Assert.False(f.EigenvaluesCertifiedPositive);
        Assert.Equal(positive.Initialize(3), positive.Initialize(3));
    }

    private static (LinearRnnWeights Weights, float[] Inputs) Problem(StateMatrixKind kind)
    {
        var architecture = new LinearRnnArchitecture(States, kind, Classes);
        float[] theta = architecture.Initialize(5);
        // Larger than the initialisation, with biases, so that values land on both sides of the dead zone's edge ½.
        var extra = new float[theta.Length];
        new CounterRandom(5, 9).FillNormal(extra, 0.7f);
        for (int i = architecture.InputOffset; i < theta.Length; i++)
        {
            theta[i] += extra[i];
        }

        Assert.True(LinearRnnWeights.TryCreate(architecture, theta, out LinearRnnWeights weights));
        var x = new float[Batch * Length];
        new CounterRandom(5, 10).FillUniform(x);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = x[i] < 0.5f ? -1 : 1;
        }

        return (weights, x);
    }

    private static float[] Run(LinearRnnWeights weights, float[] x, FloatSemantics semantics, int threads)
    {
        var logits = new float[Batch * Classes];
        new LinearRnnExecutor(semantics, new EngineSettings { MaxThreads = threads })
            .Forward(weights, new ReadOnlySpan2D<float>(x, Batch, Length), new Span2D<float>(logits, Batch, Classes));
        return logits;
    }

    private static uint[] Bits(IEnumerable<float> values) => [.. values.Select(BitConverter.SingleToUInt32Bits)];

    /// <summary>
    /// The recurrent program one value at a time: each GEMM output a fused multiply-add chain over k from +0 in
    /// increasing k, each element-wise operation on its own. FtzElementwise flushes by hand (DAZ on every operand, FTZ on
    /// every result; a power-of-two scaling is flushed on its exact product, as x86 decides tininess); FtzEverywhere runs
    /// the whole loop with the thread's FTZ and DAZ bits set, so the hardware flushes every operation, FMAs included.
    /// </summary>
    private static class ScalarReference
    {
        private const float SmallestNormal = 1.17549435E-38f;

        public static float[] Forward(LinearRnnWeights w, float[] x, int batch, int length, FloatSemantics semantics)
        {
            if (semantics == FloatSemantics.FtzEverywhere)
            {
                using var scope = FloatEnvironment.Enter(FloatMode.FlushToZeroAndDenormalsAreZero);
                return Program(w, x, batch, length, flush: false);
            }

            return Program(w, x, batch, length, flush: semantics == FloatSemantics.FtzElementwise);
        }

        private static float[] Program(LinearRnnWeights w, float[] x, int batch, int length, bool flush)
        {
            int n = w.Architecture.StateSize, classes = w.Architecture.Classes, s = w.Architecture.ScaleExponent;
            var logits = new float[batch * classes];
            for (int r = 0; r < batch; r++)
            {
                var h = new float[n];
                for (int t = 0; t < length; t++)
                {
                    var next = new float[n];
                    for (int j = 0; j < n; j++)
                    {
                        float product = 0f;
                        for (int k = 0; k < n; k++)
                        {
                            product = MathF.FusedMultiplyAdd(h[k], w.State[(k * n) + j], product);
                        }

                        float drive = Add(MathF.FusedMultiplyAdd(x[(r * length) + t], w.Input[j], 0f), w.Bias[j], flush);
                        drive = Scale(drive, -s, flush);
                        next[j] = Add(product, drive, flush);
                    }

                    h = next;
                }

                for (int c = 0; c < classes; c++)
                {
                    float product = 0f;
                    for (int k = 0; k < n; k++)
                    {
                        product = MathF.FusedMultiplyAdd(h[k], w.Readout[(k * classes) + c], product);
                    }

                    float sum = Add(product, Scale(w.ReadoutBias[c], -s, flush), flush);
                    logits[(r * classes) + c] = Scale(sum, s, flush);
                }
            }

            return logits;
        }

        private static float Flush(float v) => MathF.Abs(v) < SmallestNormal ? MathF.CopySign(0f, v) : v;

        private static float Add(float a, float b, bool flush) => flush ? Flush(Flush(a) + Flush(b)) : a + b;

        private static float Scale(float v, int exponent, bool flush)
        {
            float factor = MathF.ScaleB(1f, exponent);
            if (!flush)
            {
                return v * factor;
            }

            v = Flush(v);
            // Tiny exactly when |v·2^e| < 2^-126, decided on the exact product (|v| < 2^(-126-e)), not the rounded one.
            return Math.Abs((double)v) * Math.ScaleB(1.0, exponent) < Math.ScaleB(1.0, -126) ? MathF.CopySign(0f, v) : v * factor;
        }
    }
}
