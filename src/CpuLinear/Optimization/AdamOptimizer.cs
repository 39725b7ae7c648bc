using System.Numerics;
using System.Runtime.InteropServices;

namespace CpuLinear.Optimization;

/// <summary>
/// Adam over one flat parameter vector. Every element is updated on its own with the same float32
/// operations in the same order, so the result does not depend on threads or vector width.
/// </summary>
public sealed class AdamOptimizer
{
    /// <summary>Creates zeroed moments for <paramref name="parameterCount"/> parameters.</summary>
    public AdamOptimizer(int parameterCount, AdamSettings? settings = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        Settings = settings ?? new AdamSettings();
        FirstMoment = new float[parameterCount];
        SecondMoment = new float[parameterCount];
    }

    /// <summary>The constants.</summary>
    public AdamSettings Settings { get; }

    /// <summary>m, the running mean of gradients (saved in checkpoints as adam.m so training can resume).</summary>
    public float[] FirstMoment { get; }

    /// <summary>v, the running mean of squared gradients (adam.v).</summary>
    public float[] SecondMoment { get; }

    /// <summary>Updates taken so far (t in the bias corrections).</summary>
    public long Step { get; private set; }

    /// <summary>Restores a saved state (moments copied, step set).</summary>
    /// <exception cref="ArgumentException">A moment vector has the wrong length or the step is negative.</exception>
    public void Restore(ReadOnlySpan<float> firstMoment, ReadOnlySpan<float> secondMoment, long step)
    {
        if (firstMoment.Length != FirstMoment.Length || secondMoment.Length != SecondMoment.Length)
        {
            throw new ArgumentException($"Adam state for {FirstMoment.Length} parameters; got m of {firstMoment.Length} and v of {secondMoment.Length}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(step);
        firstMoment.CopyTo(FirstMoment);
        secondMoment.CopyTo(SecondMoment);
        Step = step;
    }

    /// <summary>
    /// The two float scalars of update number <paramref name="step"/> (counted from 1): the step size with both bias
    /// corrections folded in, and ε scaled the same way. Every element's update is then
    /// <c>m = β₁·m + (1 − β₁)·g; v = β₂·v + (1 − β₂)·g·g; p −= stepSize·m / (√v + scaledEpsilon)</c> in float32, in that
    /// order (a device copy of the update takes its scalars from here).
    /// </summary>
    public static (float StepSize, float ScaledEpsilon) StepScalars(AdamSettings settings, long step, float learningRate)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // Corrections in double, rounded once: the same float step for every element and every platform.
        float stepSize = (float)(learningRate * Math.Sqrt(1 - Math.Pow(settings.Beta2, step)) / (1 - Math.Pow(settings.Beta1, step)));
        // ε is scaled the same way so the update equals the textbook m̂/(√v̂ + ε) form.
        float scaledEpsilon = (float)(settings.Epsilon * Math.Sqrt(1 - Math.Pow(settings.Beta2, step)));
        return (stepSize, scaledEpsilon);
    }

    /// <summary>One update: <c>p -= lr·m̂/(√v̂ + ε)</c>, bias corrections folded into the step size.</summary>
    /// <exception cref="ArgumentException">The spans do not match the parameter count.</exception>
    public void Update(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate)
    {
        if (parameters.Length != FirstMoment.Length || gradient.Length != FirstMoment.Length)
        {
            throw new ArgumentException($"Adam holds {FirstMoment.Length} parameters; got {parameters.Length} parameters and {gradient.Length} gradients.");
        }

        Step++;
        float beta1 = Settings.Beta1, beta2 = Settings.Beta2;
        (float stepSize, float scaledEpsilon) = StepScalars(Settings, Step, learningRate);
        float[] m = FirstMoment, v = SecondMoment;
        float keep1 = 1 - beta1, keep2 = 1 - beta2;

        // Element-wise IEEE operations in one fixed order (no fused multiply-adds), so the vector lanes and the scalar
        // tail give the same bits.
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var b1 = new Vector<float>(beta1);
            var b2 = new Vector<float>(beta2);
            var k1 = new Vector<float>(keep1);
            var k2 = new Vector<float>(keep2);
            var step = new Vector<float>(stepSize);
            var epsilon = new Vector<float>(scaledEpsilon);
            Span<Vector<float>> mv = MemoryMarshal.Cast<float, Vector<float>>(m.AsSpan()), vv = MemoryMarshal.Cast<float, Vector<float>>(v.AsSpan());
            Span<Vector<float>> pv = MemoryMarshal.Cast<float, Vector<float>>(parameters);
            ReadOnlySpan<Vector<float>> gv = MemoryMarshal.Cast<float, Vector<float>>(gradient);
            for (int j = 0; j < gv.Length; j++)
            {
                Vector<float> g = gv[j];
                Vector<float> first = (b1 * mv[j]) + (k1 * g);
                Vector<float> second = (b2 * vv[j]) + (k2 * g * g);
                mv[j] = first;
                vv[j] = second;
                pv[j] -= step * first / (Vector.SquareRoot(second) + epsilon);
            }

            i = gv.Length * Vector<float>.Count;
        }

        for (; i < parameters.Length; i++)
        {
            float g = gradient[i];
            m[i] = (beta1 * m[i]) + (keep1 * g);
            v[i] = (beta2 * v[i]) + (keep2 * g * g);
            parameters[i] -= stepSize * m[i] / (MathF.Sqrt(v[i]) + scaledEpsilon);
        }
    }
}
