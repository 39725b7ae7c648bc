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
