using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CpuLinear.Simd;

/// <summary>
/// The one place where a <see cref="KernelPath"/> becomes lane types: every kernel that runs per path goes
/// through <see cref="Run{TKernel}(KernelPath, ref TKernel)"/>, so adding a path means adding one lane struct
/// and one case here.
/// </summary>
internal static class LaneDispatch
{
    /// <summary>Runs <paramref name="kernel"/> on <paramref name="path"/>'s lanes (scalar for any path not listed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TKernel>(KernelPath path, ref TKernel kernel)
        where TKernel : struct, ILaneKernel<TKernel>
    {
        switch (path)
        {
            case KernelPath.Vector512:
                TKernel.Run<Vector512Lanes, Vector512<float>>(ref kernel);
                break;
            case KernelPath.Vector256:
                TKernel.Run<Vector256Lanes, Vector256<float>>(ref kernel);
                break;
            case KernelPath.Vector128:
                TKernel.Run<Vector128Lanes, Vector128<float>>(ref kernel);
                break;
            default:
                TKernel.Run<ScalarLanes, float>(ref kernel);
                break;
        }
    }

    /// <summary>Floats per vector on <paramref name="path"/>.</summary>
    public static int LaneCount(KernelPath path)
    {
        var count = default(LaneCountKernel);
        Run(path, ref count);
        return count.Count;
    }

    private struct LaneCountKernel : ILaneKernel<LaneCountKernel>
    {
        public int Count;

        public static void Run<TLanes, TVector>(ref LaneCountKernel kernel)
            where TLanes : struct, IFloatLanes<TVector>
            where TVector : unmanaged => kernel.Count = TLanes.Count;
    }
}
