using CpuLinear.Demos;
using CpuLinear.Numerics;

namespace CpuLinear.Tests.Numerics;

public sealed class FloatDemoTests
{
    [Fact]
    public void DemoBitsMatchSnapshot()
    {
        Assert.True(FloatEnvironment.IsHardwareControlAvailable, FloatEnvironment.Description);
        List<string> lines = FloatDemo.Run().Select(r => $"{r.Expression} | {r.Inputs} | {r.Mode} | {r.Hex}").ToList();
        CommittedSnapshot.Match(lines, "Numerics", "FloatDemoTests.DemoBitsMatchSnapshot.snap");
    }

    [Fact]
    public void HardwareAndSoftwareAgreeOnEveryRow()
    {
        Assert.True(FloatEnvironment.IsHardwareControlAvailable, FloatEnvironment.Description);
        IReadOnlyList<FloatDemoResult> hardware = FloatDemo.Run();
        IReadOnlyList<FloatDemoResult> software = FloatDemo.Run(forceSoftware: true);

        Assert.Equal(hardware.Count, software.Count);
        Assert.All(software, r => Assert.Equal(FloatDemoSource.Software, r.Source));
        for (int i = 0; i < hardware.Count; i++)
        {
            FloatDemoResult h = hardware[i], s = software[i];
            Assert.Equal((h.Expression, h.Inputs, h.Mode), (s.Expression, s.Inputs, s.Mode));
            if (h.Mode == FloatMode.FlushToZeroAndDenormalsAreZero)
            {
                Assert.Equal(FloatDemoSource.Hardware, h.Source); // every architecture with the shim can do both
            }

            Assert.True(h.Bits == s.Bits, $"{h.Expression} [{h.Inputs}] under {h.Mode}: {h.Source} {h.Hex}, software {s.Hex}");
        }
    }

    [Fact]
    public void TheBlogsExamplesAreNonlinearUnderFlushing()
    {
        Dictionary<(string, FloatMode), uint> bits = FloatDemo.Run()
            .Where(r => !r.Expression.StartsWith("x·", StringComparison.Ordinal)) // several x·2^-125 rows; not needed here
            .ToDictionary(r => (r.Expression, r.Mode), r => r.Bits);
        // (a+b)·c and a·c+b·c agree in IEEE (0.9) and differ under FTZ only (0 vs 0.9).
        Assert.Equal(bits[("(a+b)·c", FloatMode.Ieee)], bits[("a·c+b·c", FloatMode.Ieee)]);
        Assert.Equal(0u, bits[("(a+b)·c", FloatMode.FlushToZero)]);
        Assert.Equal(BitConverter.SingleToUInt32Bits(0.9f), bits[("a·c+b·c", FloatMode.FlushToZero)]);
        // (a+b)+c and (b+c)+a: equal in IEEE, min vs 2.5·min with FTZ+DAZ.
        Assert.Equal(bits[("(a+b)+c", FloatMode.Ieee)], bits[("(b+c)+a", FloatMode.Ieee)]);
        Assert.Equal(0x0080_0000u, bits[("(a+b)+c", FloatMode.FlushToZeroAndDenormalsAreZero)]);
        Assert.Equal(0x0120_0000u, bits[("(b+c)+a", FloatMode.FlushToZeroAndDenormalsAreZero)]);
    }
}
