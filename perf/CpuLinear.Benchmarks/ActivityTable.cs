using System.Globalization;
using CommunityToolkit.HighPerformance;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Kernels;
using CpuLinear.Networks;
using CpuLinear.Training;

namespace CpuLinear.Benchmarks;

/// <summary>
/// <c>activity [pairs] [batch] [seconds] [hidden]</c>: generations/s of ES with activity members
/// (<see cref="ActivityEvolutionRun"/>, live units) on 784-H-H-10, their useful multiply-adds against the FMA peak
/// measured in the same process, and against the engine's own GEMM on the members' largest shape (2·P·B rows of
/// the second layer), timed in the same run: the ratio says how much of a generation is not GEMM.
/// </summary>
public static class ActivityTable
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static int Run(string[] args)
    {
        int pairs = args.Length > 0 ? int.Parse(args[0], Invariant) : 16;
        int batch = args.Length > 1 ? int.Parse(args[1], Invariant) : 256;
        double budget = args.Length > 2 ? double.Parse(args[2], Invariant) : 10;
        int hidden = args.Length > 3 ? int.Parse(args[3], Invariant) : 512;
        int threads = Environment.ProcessorCount;
        var net = new NetworkArchitecture([784, hidden, hidden, 10]);
        using LabeledImages data = EvolutionTable.RandomImages(4 * batch, net.Inputs);
        var settings = new EvolutionSettings
        {
            ActivityPairs = pairs, ActivityUnits = ActivityUnits.Live, BatchSize = batch, Generations = 1_000_000,
            SigmaInitial = 0.05f, SigmaFinal = 0.05f, LearningRateInitial = 1e-3f, LearningRateFinal = 1e-3f, WeightDecay = 0,
        };
        var run = new ActivityEvolutionRun(NetworkParameters.Initialize(net, 1), settings);
        (double perGeneration, double fastest) = EvolutionTable.TimeWithFastest(() => run.Step(data), budget);
        double[] phases = run.PhaseSeconds;
        double phaseTotal = phases.Sum();
        string profile = string.Join(",", ActivityEvolutionRun.PhaseNames.Select((name, i) => string.Create(Invariant, $"\"{name}\":{phases[i] / phaseTotal:F3}")));

        // The member GEMM alone: every layer-1 member row through W₂ (the bulk of a generation's work).
        int rows = 2 * pairs * batch;
        float[] a = Filled(rows * hidden), w = Filled(hidden * hidden), c = new float[rows * hidden];
        (double gemm, double gemmFastest) = EvolutionTable.TimeWithFastest(
            () => Gemm.Multiply(new ReadOnlySpan2D<float>(a, rows, hidden), new ReadOnlySpan2D<float>(w, hidden, hidden), new Span2D<float>(c, rows, hidden)), budget / 2);
        double peak = FmaPeak.GigaflopsPerSecond(threads);
        double work = 2 * MultiplyAdds(net, pairs, batch) / 1e9;
        double gemmWork = 2.0 * rows * hidden * hidden / 1e9;
        Console.WriteLine(string.Create(Invariant,
            $"{{\"library\":\"cpulinear\",\"members\":\"activity\",\"hidden\":{hidden},\"pairs_per_row\":{pairs},\"batch\":{batch},\"threads\":{threads},\"generations_per_s\":{1 / perGeneration:F2},\"fastest_generations_per_s\":{1 / fastest:F2},\"useful_gflops\":{work / perGeneration:F1},\"fastest_useful_gflops\":{work / fastest:F1},\"member_gemm_gflops\":{gemmWork / gemm:F1},\"fastest_member_gemm_gflops\":{gemmWork / gemmFastest:F1},\"fma_peak_gflops\":{peak:F1},\"fraction_of_peak\":{work / perGeneration / peak:F3},\"fastest_fraction_of_peak\":{work / fastest / peak:F3},\"generation_vs_member_gemm\":{work / perGeneration / (gemmWork / gemm):F3},\"phase_fractions\":{{{profile}}}}}"));
        return 0;
    }

    // Multiply-adds a generation cannot avoid: θ's forward pass, every member row through the layers above the one it
    // perturbs (a last-layer member needs none: its loss is read from its own logits), and the weight estimate's GEMMs.
    private static double MultiplyAdds(NetworkArchitecture net, int pairs, int batch)
    {
        double total = 0;
        for (int l = 0; l < net.LayerCount; l++)
        {
            double layer = (double)net.Widths[l] * net.Widths[l + 1];
            total += 2 * batch * layer; // θ's forward pass and the estimate hₗ₋₁ᵀ·ĝₗ
            for (int above = l + 1; above < net.LayerCount; above++)
            {
                total += 2.0 * pairs * batch * net.Widths[above] * net.Widths[above + 1];
            }
        }

        return total;
    }

    private static float[] Filled(int length)
    {
        var values = new float[length];
        Array.Fill(values, 0.01f);
        return values;
    }
}
