using System.Runtime.CompilerServices;
using CpuLinear.Kernels;
using CpuLinear.Numerics;

namespace CpuLinear.Demos;

/// <summary>
/// The arithmetic of the blog (docs/science.md §3) and a few more expressions near <c>min = 2^-126</c>, each evaluated
/// under every <see cref="FloatMode"/>, so the nonlinearity can be seen bit by bit.
/// </summary>
/// <remarks>
/// Every operation is an addition or a multiplication by a power of two, the two operations
/// <see cref="SoftwareFlush"/> reproduces exactly, so the hardware and software answers must agree. The hardware
/// operations sit behind non-inlined calls on values computed at run time: a constant-folding JIT evaluates in
/// IEEE at compile time, whatever the thread's mode will be.
/// </remarks>
public static class FloatDemo
{
    private static readonly float Min = BitConverter.UInt32BitsToSingle(0x0080_0000);

    /// <summary>The modes shown, in column order.</summary>
    public static IReadOnlyList<FloatMode> Modes { get; } =
        [FloatMode.Ieee, FloatMode.FlushToZero, FloatMode.DenormalsAreZero, FloatMode.FlushToZeroAndDenormalsAreZero];

    private static IReadOnlyList<Example> Examples()
    {
        float min = Min;
        // Inputs built in double and rounded once; subnormal ones (0.4·min) are exactly what IEEE float32 stores.
        float a1 = (float)(0.4 * min), b1 = (float)(0.5 * min);
        float a2 = (float)(2.5 * min), b2 = (float)(-1.6 * min);
        float justAboveHalf = BitConverter.UInt32BitsToSingle(0x3F00_0001);
        float justBelowHalf = BitConverter.UInt32BitsToSingle(0x3EFF_FFFF);
        float minPlusUlp = BitConverter.UInt32BitsToSingle(0x0080_0001);
        return
        [
            new("(a+b)·c", "a = 0.4·min, b = 0.5·min, c = 1/min", f => f.Scale(f.Add(a1, b1), 126)),
            new("a·c+b·c", "a = 0.4·min, b = 0.5·min, c = 1/min", f => f.Add(f.Scale(a1, 126), f.Scale(b1, 126))),
            new("(a+b)+c", "a = 2.5·min, b = -1.6·min, c = min", f => f.Add(f.Add(a2, b2), min)),
            new("(b+c)+a", "a = 2.5·min, b = -1.6·min, c = min", f => f.Add(f.Add(b2, min), a2)),
            new("x·2^-125", "x = 0.5 + 2^-24", f => f.Scale(justAboveHalf, -125)),
            new("x·2^-125", "x = 0.5", f => f.Scale(0.5f, -125)),
            new("x·2^-125", "x = 0.5 - 2^-25 (exact x·2^-125 = min - 2^-150)", f => f.Scale(justBelowHalf, -125)),
            new("x·2^-125", "x = 0.25", f => f.Scale(0.25f, -125)),
            new("(min·0.5)·2", "min = 2^-126", f => f.Scale(f.Scale(min, -1), 1)),
            new("a-b", "a = min + 2^-149, b = min", f => f.Add(minPlusUlp, -min)),
            new("b-a", "a = min + 2^-149, b = min", f => f.Add(min, -minPlusUlp)),
            new("(a-b)·2^23", "a = min + 2^-149, b = min", f => f.Scale(f.Add(minPlusUlp, -min), 23)),
        ];
    }

    /// <summary>
    /// Every expression under every mode in <see cref="Modes"/>: by the hardware where
    /// <see cref="FloatEnvironment.Supports"/> the mode, by the software flush otherwise. Leaves the calling
    /// thread's float control register as it found it.
    /// </summary>
    public static IReadOnlyList<FloatDemoResult> Run() => Run(forceSoftware: false);

    /// <summary>As <see cref="Run()"/>; <paramref name="forceSoftware"/> computes every row in software.</summary>
    internal static IReadOnlyList<FloatDemoResult> Run(bool forceSoftware)
    {
        var results = new List<FloatDemoResult>();
        foreach (Example example in Examples())
        {
            foreach (FloatMode mode in Modes)
            {
                bool hardware = !forceSoftware && FloatEnvironment.IsHardwareControlAvailable && FloatEnvironment.Supports(mode);
                float value = hardware ? RunOnHardware(example, mode) : example.Compute(new SoftwareArithmetic(mode));
                results.Add(new FloatDemoResult(example.Expression, example.Inputs, mode, value,
                    hardware ? FloatDemoSource.Hardware : FloatDemoSource.Software));
            }
        }

        return results;
    }

    /// <summary>Only the hardware results, failing where the hardware cannot set a mode (for tests).</summary>
    internal static IReadOnlyList<FloatDemoResult> RunOnHardware()
    {
        var results = new List<FloatDemoResult>();
        foreach (Example example in Examples())
        {
            foreach (FloatMode mode in Modes)
            {
                results.Add(new FloatDemoResult(example.Expression, example.Inputs, mode, RunOnHardware(example, mode), FloatDemoSource.Hardware));
            }
        }

        return results;
    }

    private static float RunOnHardware(Example example, FloatMode mode)
    {
        using FloatEnvironmentScope scope = FloatEnvironment.Enter(mode);
        return example.Compute(HardwareArithmetic.Instance);
    }

    private sealed record Example(string Expression, string Inputs, Func<IArithmetic, float> Compute);

    private interface IArithmetic
    {
        float Add(float x, float y);

        float Scale(float x, int exponent);
    }

    /// <summary>The float unit in whatever mode the thread is in.</summary>
    private sealed class HardwareArithmetic : IArithmetic
    {
        public static readonly HardwareArithmetic Instance = new();

        [MethodImpl(MethodImplOptions.NoInlining)]
        public float Add(float x, float y) => x + y;

        [MethodImpl(MethodImplOptions.NoInlining)]
        public float Scale(float x, int exponent) => Multiply(x, SoftwareFlush.PowerOfTwo(exponent));

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static float Multiply(float x, float y) => x * y;
    }

    /// <summary>The software flush with DAZ and FTZ taken separately from the mode.</summary>
    private sealed class SoftwareArithmetic(FloatMode mode) : IArithmetic
    {
        private readonly bool _flushInputs = mode is FloatMode.DenormalsAreZero or FloatMode.FlushToZeroAndDenormalsAreZero;
        private readonly bool _flushOutput = mode is FloatMode.FlushToZero or FloatMode.FlushToZeroAndDenormalsAreZero;

        public float Add(float x, float y) => SoftwareFlush.AddOne(x, y, _flushInputs, _flushOutput);

        public float Scale(float x, int exponent) => SoftwareFlush.ScaleOne(x, exponent, _flushInputs, _flushOutput);
    }
}
