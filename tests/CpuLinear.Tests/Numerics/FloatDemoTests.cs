using CpuLinear.Numerics;
using Snapshooter;
using Snapshooter.Xunit;

namespace CpuLinear.Tests.Numerics;

public sealed class FloatDemoTests
{
    [Fact]
    public void DemoBitsMatchSnapshot()
    {
        Assert.True(FloatEnvironment.IsHardwareControlAvailable, FloatEnvironment.Description);
        List<string> lines = FloatDemo.Run().Select(r => $"{r.Expression} | {r.Inputs} | {r.Mode} | {r.Hex}").ToList();
        // An explicit folder: CI builds map source paths to /_/, where Snapshooter's own lookup would silently
        // create a fresh snapshot (and pass) instead of reading the committed one.
        string folder = Path.Combine(TestProjectDirectory(), "Numerics", "__snapshots__");
        const string fileName = "FloatDemoTests.DemoBitsMatchSnapshot.snap";
        bool existed = File.Exists(Path.Combine(folder, fileName));
        Snapshot.Match(lines, new SnapshotFullName(fileName, folder));
        Assert.True(existed, $"No committed snapshot: one was written to {folder}; review it and commit it.");
        // Read back and compared here too: with an explicit SnapshotFullName, Snapshooter 1.3.1 was seen to pass
        // an edited snapshot, and a snapshot test that cannot fail proves nothing.
        string[]? committed = System.Text.Json.JsonSerializer.Deserialize<string[]>(File.ReadAllText(Path.Combine(folder, fileName)));
        Assert.Equal(committed, lines);
    }

    private static string TestProjectDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CpuLinear.Tests.csproj")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"CpuLinear.Tests.csproj not found above {AppContext.BaseDirectory}.");
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
