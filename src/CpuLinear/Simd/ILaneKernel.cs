namespace CpuLinear.Simd;

/// <summary>
/// A kernel written once over <see cref="IFloatLanes{TVector}"/>, with its arguments as fields, so that
/// <see cref="LaneDispatch.Run{TKernel}(KernelPath, ref TKernel)"/> can instantiate it for a kernel path.
/// Implement it on a struct: the JIT then specialises the dispatch per kernel and the call is direct.
/// </summary>
internal interface ILaneKernel
{
    /// <summary>Runs the kernel with the lanes of one path.</summary>
    void Run<TLanes, TVector>()
        where TLanes : struct, IFloatLanes<TVector>
        where TVector : unmanaged;
}
