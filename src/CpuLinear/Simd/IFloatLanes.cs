namespace CpuLinear.Simd;

/// <summary>
/// The handful of lane-wise operations the kernels need, implemented once per vector width
/// (<see cref="Vector512Lanes"/>, <see cref="Vector256Lanes"/>, <see cref="Vector128Lanes"/>, <see cref="ScalarLanes"/>); <see cref="LaneDispatch"/> picks one per kernel path.
/// Kernels are written once, generic over this interface; the JIT specialises them per struct, so the
/// static abstract calls compile to single instructions.
/// </summary>
/// <typeparam name="TVector">The vector type: <c>Vector512&lt;float&gt;</c> … or <c>float</c> for the scalar path.</typeparam>
internal unsafe interface IFloatLanes<TVector>
    where TVector : unmanaged
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    static abstract TVector Zero { get; }

    static abstract TVector Load(float* source);

    static abstract void Store(TVector value, float* destination);

    static abstract TVector Broadcast(float value);

    /// <summary><c>a * b + c</c> with a single rounding, on every path (software-exact where the CPU has no FMA).</summary>
    static abstract TVector FusedMultiplyAdd(TVector a, TVector b, TVector c);

    static abstract TVector Add(TVector a, TVector b);

    static abstract TVector Multiply(TVector a, TVector b);

    static abstract TVector Subtract(TVector a, TVector b);

    /// <summary>
    /// <paramref name="value"/> with the sign bit of lane j flipped where bit j of <paramref name="bits"/> is set (bits
    /// past the lane count are ignored): a multiplication by ±1 from one random bit per lane, exactly.
    /// </summary>
    static abstract TVector FlipSigns(TVector value, uint bits);

    /// <summary>1 in the lanes where <paramref name="value"/> is not ±0 (NaN included), 0 where it is.</summary>
    static abstract TVector OneWhereNonZero(TVector value);

    /// <summary>
    /// Lanes whose magnitude is below <paramref name="threshold"/> become +0 or −0 (sign kept, as hardware flush does);
    /// NaN and infinities pass through, since a NaN compares false.
    /// </summary>
    static abstract TVector DeadZone(TVector value, TVector threshold);
}
