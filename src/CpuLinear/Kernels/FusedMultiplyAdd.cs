using System.Numerics;

namespace CpuLinear.Kernels;

/// <summary>Element-wise fused multiply-add over spans, with the same bits on every vector width.</summary>
public static class FusedMultiplyAdd
{
    /// <summary>
    /// <c>accumulator[i] = fma(x[i], c, accumulator[i])</c>: one rounding per element. Each element is computed on
    /// its own, so the vector width (and the runtime's exact software FMA where the CPU has none) cannot change a bit.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is shorter than <paramref name="accumulator"/>.</exception>
    public static void Accumulate(Span<float> accumulator, ReadOnlySpan<float> x, float c)
    {
        if (x.Length < accumulator.Length)
        {
            throw new ArgumentException($"x holds {x.Length} values; the accumulator needs {accumulator.Length}.", nameof(x));
        }

        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var cv = new Vector<float>(c);
            for (; i <= accumulator.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var acc = new Vector<float>(accumulator[i..]);
                Vector.FusedMultiplyAdd(new Vector<float>(x[i..]), cv, acc).CopyTo(accumulator[i..]);
            }
        }

        for (; i < accumulator.Length; i++)
        {
            accumulator[i] = MathF.FusedMultiplyAdd(x[i], c, accumulator[i]);
        }
    }
}
