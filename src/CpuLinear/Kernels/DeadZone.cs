using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CpuLinear.Kernels;

/// <summary>
/// The element-wise dead zone <c>D(v) = |v| &lt; threshold ? ±0 : v</c>. With threshold 2^-126 it is exactly
/// what flush-to-zero does to a result (sign of zero kept, NaN and infinity untouched); with threshold 0.5 it
/// is the same flush seen in units scaled by 2^125.
/// </summary>
public static class DeadZone
{
    /// <summary>Applies the dead zone in place on the registry's kernel path.</summary>
    public static void Apply(Span<float> values, float threshold) =>
        Apply(values, threshold, KernelRegistry.Selected);

    /// <summary>Applies the dead zone in place on the given path (all paths give the same bits).</summary>
    [SkipLocalsInit]
    public static unsafe void Apply(Span<float> values, float threshold, KernelPath path)
    {
        fixed (float* p = values)
        {
            switch (path)
            {
                case KernelPath.Vector512:
                    Apply<Gemm.Vector512Lanes, Vector512<float>>(p, values.Length, threshold);
                    break;
                case KernelPath.Vector256:
                    Apply<Gemm.Vector256Lanes, Vector256<float>>(p, values.Length, threshold);
                    break;
                case KernelPath.Vector128:
                    Apply<Gemm.Vector128Lanes, Vector128<float>>(p, values.Length, threshold);
                    break;
                default:
                    Apply<Gemm.ScalarLanes, float>(p, values.Length, threshold);
                    break;
            }
        }
    }

    /// <summary>
    /// <c>values[i] = D_out(D_in(values[i]) + bias[i])</c> in one pass (all paths give the same bits): a bias
    /// add under DAZ and FTZ, seen in the units the thresholds are given in.
    /// </summary>
    [SkipLocalsInit]
    public static unsafe void AddBias(Span<float> values, ReadOnlySpan<float> bias, float inputThreshold, float outputThreshold, KernelPath path)
    {
        if (bias.Length < values.Length)
        {
            throw new ArgumentException($"The bias has {bias.Length} values for {values.Length} outputs.", nameof(bias));
        }

        fixed (float* p = values)
        fixed (float* b = bias)
        {
            switch (path)
            {
                case KernelPath.Vector512:
                    AddBias<Gemm.Vector512Lanes, Vector512<float>>(p, b, values.Length, inputThreshold, outputThreshold);
                    break;
                case KernelPath.Vector256:
                    AddBias<Gemm.Vector256Lanes, Vector256<float>>(p, b, values.Length, inputThreshold, outputThreshold);
                    break;
                case KernelPath.Vector128:
                    AddBias<Gemm.Vector128Lanes, Vector128<float>>(p, b, values.Length, inputThreshold, outputThreshold);
                    break;
                default:
                    AddBias<Gemm.ScalarLanes, float>(p, b, values.Length, inputThreshold, outputThreshold);
                    break;
            }
        }
    }

    private static unsafe void AddBias<TLanes, TVector>(float* values, float* bias, int length, float inputThreshold, float outputThreshold)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        TVector inner = TLanes.Broadcast(inputThreshold), outer = TLanes.Broadcast(outputThreshold);
        int i = 0;
        for (; i <= length - TLanes.Count; i += TLanes.Count)
        {
            TVector sum = TLanes.Add(TLanes.DeadZone(TLanes.Load(values + i), inner), TLanes.Load(bias + i));
            TLanes.Store(TLanes.DeadZone(sum, outer), values + i);
        }

        for (; i < length; i++)
        {
            values[i] = Gemm.ScalarLanes.DeadZone(Gemm.ScalarLanes.DeadZone(values[i], inputThreshold) + bias[i], outputThreshold);
        }
    }

    private static unsafe void Apply<TLanes, TVector>(float* values, int length, float threshold)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        TVector limit = TLanes.Broadcast(threshold);
        int i = 0;
        for (; i <= length - TLanes.Count; i += TLanes.Count)
        {
            TLanes.Store(TLanes.DeadZone(TLanes.Load(values + i), limit), values + i);
        }

        for (; i < length; i++)
        {
            values[i] = Gemm.ScalarLanes.DeadZone(values[i], threshold);
        }
    }
}
