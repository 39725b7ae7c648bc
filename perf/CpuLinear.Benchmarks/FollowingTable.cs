using System.Globalization;
using CommunityToolkit.HighPerformance;
using CpuLinear.Kernels;
using CpuLinear.Simd;

namespace CpuLinear.Benchmarks;

/// <summary>
/// <c>following [rows] [depth] [outputs] [seconds]</c>: one thread's <see cref="FollowingLayer.Apply"/> on a block of
/// member rows (the activity members' layers above, 120 rows by default) against the engine's GEMM on one thread over
/// many rows of the same shape, in the same run: the ratio says what a cache-resident block costs against a streaming
/// GEMM.
/// </summary>
public static class FollowingTable
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static int Run(string[] args)
    {
        int rows = args.Length > 0 ? int.Parse(args[0], Invariant) : 120;
        int depth = args.Length > 1 ? int.Parse(args[1], Invariant) : 512;
        int outputs = args.Length > 2 ? int.Parse(args[2], Invariant) : 512;
        double budget = args.Length > 3 ? double.Parse(args[3], Invariant) : 4;
        KernelPath lanes = EngineSettings.Default.ResolvedPath;
        KernelPath path = FollowingLayer.PathFor(lanes, outputs);
        float[] weights = Filled(depth * outputs, 0.01f), bias = new float[outputs];
        // The buffers the activity run gives it: on cache lines.
        var packed = new AlignedFloats(FollowingLayer.PackedLength(depth, outputs, path));
        FollowingLayer.Pack(new ReadOnlySpan2D<float>(weights, depth, outputs), [], [], 0, path, packed.Span);
        int padded = FollowingLayer.PaddedRows(rows);
        var source = new AlignedFloats(padded * depth);
        var destination = new AlignedFloats(padded * outputs);
        source.Span.Fill(0.02f);
        int repeats = Math.Max(1, 32768 / rows);
        (double block, double blockFastest) = EvolutionTable.TimeWithFastest(
            () =>
            {
                var l = new FollowingLayer(packed.Span, depth, outputs, path, bias, 0f, 0f, destination.Span, lanes);
                for (int i = 0; i < repeats; i++)
                {
                    l.Apply(source.Span, rows, padToTile: true);
                }
            },
            budget);

        int gemmRows = repeats * rows;
        float[] a = Filled(gemmRows * depth, 0.02f), c = new float[gemmRows * outputs];
        var single = new EngineSettings { MaxThreads = 1 };
        (double gemm, double gemmFastest) = EvolutionTable.TimeWithFastest(
            () => Gemm.Multiply(gemmRows, outputs, depth, a, depth, weights, outputs, c, outputs, single), budget);
        double peak = FmaPeak.GigaflopsPerSecond(1);
        double work = 2.0 * gemmRows * depth * outputs / 1e9;
        Console.WriteLine(string.Create(Invariant,
            $"{{\"library\":\"cpulinear\",\"kernel\":\"following\",\"rows\":{rows},\"depth\":{depth},\"outputs\":{outputs},\"path\":\"{path}\",\"lanes\":\"{lanes}\",\"one_thread_peak_gflops\":{peak:F1},\"block_gflops\":{work / block:F1},\"fastest_block_gflops\":{work / blockFastest:F1},\"gemm_gflops\":{work / gemm:F1},\"fastest_gemm_gflops\":{work / gemmFastest:F1},\"block_vs_gemm\":{gemm / block:F3}}}"));
        return 0;
    }

    private static float[] Filled(int length, float value)
    {
        var values = new float[length];
        Array.Fill(values, value);
        return values;
    }
}
