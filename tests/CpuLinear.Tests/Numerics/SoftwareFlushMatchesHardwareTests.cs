using System.Runtime.CompilerServices;
using CpuLinear.Numerics;

using CpuLinear.Kernels;
using CpuLinear.Simd;

namespace CpuLinear.Tests.Numerics;

/// <summary>
/// The software flush against the CPU itself: the same operations computed with MXCSR FTZ+DAZ set through the
/// shim must give identical bits, on every software path. The shim is always built here, so a missing shim fails.
/// </summary>
public sealed class SoftwareFlushMatchesHardwareTests
{
    private const int Count = 1_000_003; // over a million, and not a multiple of any vector width

    public static TheoryData<string> Paths => new() { "Vector512", "Vector256", "Vector128", "Scalar" };

    [Theory]
    [MemberData(nameof(Paths))]
    public void Add(string pathName)
    {
        KernelPath path = Enum.Parse<KernelPath>(pathName);
        float[] x = NearMinInputs.Create(Count, seed: 11);
        float[] y = NearMinInputs.CreatePartners(x, seed: 12);
        var ieee = new float[Count];
        var hardware = new float[Count];
        var software = new float[Count];

        HardwareAdd(x, y, ieee);
        using (RequireFtzDaz())
        {
            HardwareAdd(x, y, hardware);
        }

        SoftwareFlush.Add(x, y, software, path);
        AssertFlushingMattered(ieee, hardware);
        AssertSameBits(hardware, software, i => $"{Hex(x[i])} + {Hex(y[i])}");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ScaleByPowerOfTwo(string pathName)
    {
        KernelPath path = Enum.Parse<KernelPath>(pathName);
        float[] x = NearMinInputs.Create(Count, seed: 21);
        var ieee = new float[Count];
        var hardware = new float[Count];
        var software = new float[Count];

        foreach (int exponent in new[] { -125, 125, -126, 127, -124, -64, -24, -23, -1, 0, 1, 23, 24, 126 })
        {
            float factor = MathF.ScaleB(1f, exponent);
            HardwareScale(x, factor, ieee);
            using (RequireFtzDaz())
            {
                HardwareScale(x, factor, hardware);
            }

            SoftwareFlush.ScaleByPowerOfTwo(x, exponent, software, path);
            if (exponent is -125 or 125)
            {
                AssertFlushingMattered(ieee, hardware);
            }

            AssertSameBits(hardware, software, i => $"{Hex(x[i])} * 2^{exponent}");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void AddBiasRows(string pathName)
    {
        KernelPath path = Enum.Parse<KernelPath>(pathName);
        const int columns = 1001, rows = 1000;
        float[] matrix = NearMinInputs.Create(rows * columns, seed: 31);
        float[] bias = NearMinInputs.CreatePartners(matrix.AsSpan(0, columns).ToArray(), seed: 32);
        float[] ieee = (float[])matrix.Clone();
        float[] hardware = (float[])matrix.Clone();
        float[] software = (float[])matrix.Clone();

        HardwareAddBiasRows(ieee, columns, bias);
        using (RequireFtzDaz())
        {
            HardwareAddBiasRows(hardware, columns, bias);
        }

        SoftwareFlush.AddBiasRows(software, columns, bias, path);
        AssertFlushingMattered(ieee, hardware);
        AssertSameBits(hardware, software, i => $"{Hex(matrix[i])} + bias {Hex(bias[i % columns])}");
    }

    private static FloatEnvironmentScope RequireFtzDaz()
    {
        Assert.True(FloatEnvironment.IsHardwareControlAvailable, $"The native shim must be built and loaded here: {FloatEnvironment.Description}");
        FloatEnvironmentScope scope = FloatEnvironment.Enter(FloatMode.FlushToZeroAndDenormalsAreZero);
        Assert.Equal(FloatMode.FlushToZeroAndDenormalsAreZero, FloatEnvironment.CurrentMode);
        return scope;
    }

    // The hardware side: plain loops over spans in methods the JIT may not inline, so nothing is folded at
    // compile time (in IEEE) and every operation runs on the float unit in the thread's mode.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void HardwareAdd(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dst)
    {
        for (int i = 0; i < x.Length; i++)
        {
            dst[i] = x[i] + y[i];
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void HardwareScale(ReadOnlySpan<float> x, float factor, Span<float> dst)
    {
        for (int i = 0; i < x.Length; i++)
        {
            dst[i] = x[i] * factor;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void HardwareAddBiasRows(Span<float> matrix, int columns, ReadOnlySpan<float> bias)
    {
        for (int start = 0; start < matrix.Length; start += columns)
        {
            for (int c = 0; c < columns; c++)
            {
                matrix[start + c] += bias[c];
            }
        }
    }

    /// <summary>Guards the test itself: if FTZ+DAZ changed nothing, the inputs (or the scope) would be useless.</summary>
    private static void AssertFlushingMattered(float[] ieee, float[] flushed)
    {
        int differences = 0;
        for (int i = 0; i < ieee.Length; i++)
        {
            differences += BitConverter.SingleToUInt32Bits(ieee[i]) != BitConverter.SingleToUInt32Bits(flushed[i]) ? 1 : 0;
        }

        Assert.True(differences > ieee.Length / 20, $"Only {differences} of {ieee.Length} results changed under FTZ+DAZ.");
    }

    private static void AssertSameBits(float[] expected, float[] actual, Func<int, string> describe)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            uint e = BitConverter.SingleToUInt32Bits(expected[i]);
            uint a = BitConverter.SingleToUInt32Bits(actual[i]);
            if (e != a)
            {
                Assert.Fail($"Element {i}: {describe(i)}: hardware 0x{e:X8}, software 0x{a:X8}.");
            }
        }
    }

    private static string Hex(float value) => $"0x{BitConverter.SingleToUInt32Bits(value):X8}";
}
