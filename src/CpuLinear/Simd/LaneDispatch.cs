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
        where TKernel : struct, ILaneKernel
    {
        switch (path)
        {
            case KernelPath.Vector512:
                kernel.Run<Vector512Lanes, Vector512<float>>();
                break;
            case KernelPath.Vector256:
                kernel.Run<Vector256Lanes, Vector256<float>>();
                break;
            case KernelPath.Vector128:
                kernel.Run<Vector128Lanes, Vector128<float>>();
                break;
            default:
                kernel.Run<ScalarLanes, float>();
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

    private struct LaneCountKernel : ILaneKernel
    {
        public int Count;

        public void Run<TLanes, TVector>()
            where TLanes : struct, IFloatLanes<TVector>
            where TVector : unmanaged => Count = TLanes.Count;
    }
}
