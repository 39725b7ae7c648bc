using System.Runtime.CompilerServices;

namespace CpuLinear.Simd;

/// <summary>One float per lane: the reference every vector path must match bit for bit.</summary>
internal readonly unsafe struct ScalarLanes : IFloatLanes<float>
{
    public static int Count => 1;

    public static float Zero => 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(float* source) => *source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float value, float* destination) => *destination = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Broadcast(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FusedMultiplyAdd(float a, float b, float c) =>
        KernelRegistry.HasHardwareFusedMultiplyAdd ? MathF.FusedMultiplyAdd(a, b, c) : ExactFusedMultiplyAdd.Scalar(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float a, float b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Multiply(float a, float b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Subtract(float a, float b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float OneWhereNonZero(float value) => value != 0f ? 1f : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FlipSigns(float value, uint bits) =>
        BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(value) ^ ((bits & 1u) << 31));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float DeadZone(float value, float threshold) =>
        MathF.Abs(value) < threshold ? BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(value) & 0x8000_0000u) : value;
}
