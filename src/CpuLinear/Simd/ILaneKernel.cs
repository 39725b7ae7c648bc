namespace CpuLinear.Simd;

/// <summary>
/// A kernel written once over <see cref="IFloatLanes{TVector}"/>, with its arguments as the fields of a struct,
/// so that <see cref="LaneDispatch.Run{TKernel}(KernelPath, ref TKernel)"/> can instantiate it for a kernel path.
/// </summary>
/// <remarks>
/// The entry point is a static abstract method: for a struct the call is bound when the JIT compiles the
/// dispatch, with no run-time lookup, so a kernel called once per row costs what a direct call costs.
/// </remarks>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
internal interface ILaneKernel<TSelf>
    where TSelf : struct, ILaneKernel<TSelf>
{
    /// <summary>Runs <paramref name="kernel"/> with the lanes of one path.</summary>
    static abstract void Run<TLanes, TVector>(ref TSelf kernel)
        where TLanes : struct, IFloatLanes<TVector>
        where TVector : unmanaged;
}
