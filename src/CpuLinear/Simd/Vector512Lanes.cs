using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Vec = System.Runtime.Intrinsics.Vector512<float>;
using VecOps = System.Runtime.Intrinsics.Vector512;

namespace CpuLinear.Simd;

/// <summary>512-bit lanes (AVX-512F): 16 floats per vector.</summary>
internal readonly unsafe struct Vector512Lanes : IFloatLanes<Vec>
{
    public static int Count => Vec.Count;

    public static Vec Zero => Vec.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec Load(float* source) => VecOps.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vec value, float* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec Broadcast(float value) => VecOps.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec FusedMultiplyAdd(Vec a, Vec b, Vec c) => System.Runtime.Intrinsics.X86.Avx512F.IsSupported
        ? VecOps.FusedMultiplyAdd(a, b, c)
        : VecOps.Create(
            Vector256Lanes.FusedMultiplyAdd(a.GetLower(), b.GetLower(), c.GetLower()),
            Vector256Lanes.FusedMultiplyAdd(a.GetUpper(), b.GetUpper(), c.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec Add(Vec a, Vec b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec Multiply(Vec a, Vec b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec Subtract(Vec a, Vec b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec OneWhereNonZero(Vec value) => VecOps.ConditionalSelect(VecOps.Equals(value, Vec.Zero), Vec.Zero, VecOps.Create(1f));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec FlipSigns(Vec value, uint bits)
    {
        var lane = VecOps.Create(1u, 2u, 4u, 8u, 16u, 32u, 64u, 128u, 256u, 512u, 1024u, 2048u, 4096u, 8192u, 16384u, 32768u);
        var set = VecOps.Equals(VecOps.Create(bits) & lane, lane);
        return value ^ (set.AsSingle() & VecOps.Create(-0f));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec DeadZone(Vec value, Vec threshold) =>
        VecOps.ConditionalSelect(VecOps.LessThan(VecOps.Abs(value), threshold), value & VecOps.Create(-0f), value);
}
