using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Vec = System.Runtime.Intrinsics.Vector128;
using VecF = System.Runtime.Intrinsics.Vector128<float>;
using VecI = System.Runtime.Intrinsics.Vector128<int>;
using VecU = System.Runtime.Intrinsics.Vector128<uint>;

namespace CpuLinear.Numerics;

// Element-wise, so lanes never interact: results are those of the scalar path, whatever the width.
// The tail that does not fill a vector goes to the scalar path (an overlapping last vector would re-read
// elements already written when the operation runs in place).
public static partial class SoftwareFlush
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static VecF FlushVector128(VecF value)
    {
        VecU bits = value.AsUInt32();
        // All ones where the exponent field is zero; there only the sign bit survives.
        VecU tiny = Vec.Equals(bits & Vec.Create(ExponentMask), VecU.Zero);
        return Vec.AndNot(bits, tiny & Vec.Create(MagnitudeMask)).AsSingle();
    }

    [SkipLocalsInit]
    private static void FlushVector128(ReadOnlySpan<float> x, Span<float> dst)
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ds = ref MemoryMarshal.GetReference(dst);
        int i = 0;
        for (; i <= x.Length - VecF.Count; i += VecF.Count)
        {
            FlushVector128(Vec.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ds, (nuint)i);
        }

        FlushScalar(x[i..], dst[i..]);
    }

    [SkipLocalsInit]
    private static void AddVector128(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dst)
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float ds = ref MemoryMarshal.GetReference(dst);
        int i = 0;
        for (; i <= x.Length - VecF.Count; i += VecF.Count)
        {
            VecF sum = FlushVector128(Vec.LoadUnsafe(ref xs, (nuint)i)) + FlushVector128(Vec.LoadUnsafe(ref ys, (nuint)i));
            FlushVector128(sum).StoreUnsafe(ref ds, (nuint)i);
        }

        AddScalar(x[i..], y[i..], dst[i..]);
    }

    [SkipLocalsInit]
    private static void ScaleVector128(ReadOnlySpan<float> x, float factor, int threshold, Span<float> dst)
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ds = ref MemoryMarshal.GetReference(dst);
        VecF factors = Vec.Create(factor);
        VecI thresholds = Vec.Create(threshold);
        int i = 0;
        for (; i <= x.Length - VecF.Count; i += VecF.Count)
        {
            VecF value = Vec.LoadUnsafe(ref xs, (nuint)i);
            VecU bits = value.AsUInt32();
            // Signed compare is safe: the magnitude has no sign bit. NaN magnitudes exceed every threshold.
            VecU tiny = Vec.LessThan((bits & Vec.Create(MagnitudeMask)).AsInt32(), thresholds).AsUInt32();
            VecU product = (value * factors).AsUInt32();
            Vec.ConditionalSelect(tiny, bits & Vec.Create(SignMask), product).AsSingle().StoreUnsafe(ref ds, (nuint)i);
        }

        ScaleScalar(x[i..], factor, threshold, dst[i..]);
    }
}
