using System.Diagnostics;
using System.Globalization;
using CpuLinear.Kernels;
using CpuLinear.Simd;

namespace CpuLinear.Benchmarks;

/// <summary>
/// A quick GFLOP/s sweep: for each shape, path and thread count, the best of several timed repetitions.
/// Prints one JSON object per line. BenchmarkDotNet gives the careful numbers; this exists so an external
/// reference (OpenBLAS) can be measured alternately with it in the same run.
/// </summary>
public static class GemmTable
{
    public static int Run(string[] args)
    {
        string[] shapes = Option(args, "--shapes")?.Split(',') ?? DefaultShapes();
        KernelPath[] paths = Option(args, "--paths")?.Split(',').Select(KernelRegistry.Parse).ToArray() ?? [KernelRegistry.Selected];
        int[] threads = Option(args, "--threads")?.Split(',').Select(int.Parse).ToArray() ?? [Environment.ProcessorCount];
        double seconds = double.Parse(Option(args, "--seconds") ?? "1", CultureInfo.InvariantCulture);

        foreach (string shape in shapes)
        {
            int[] d = shape.Split('x').Select(int.Parse).ToArray();
            int m = d[0], k = d[1], n = d[2];
            float[] a = GemmShapes.Fill(m * k, 1), b = GemmShapes.Fill(k * n, 2), c = new float[m * n];
            foreach (KernelPath path in paths)
            {
                foreach (int t in threads)
                {
                    var settings = new EngineSettings { Path = path, MaxThreads = t };
                    double best = Time(() => Gemm.Multiply(m, n, k, a, k, b, n, c, n, settings), seconds);
                    double gflops = Gemm.FlopCount(m, n, k) / best / 1e9;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{{\"library\":\"CpuLinear\",\"shape\":\"{m}x{k}x{n}\",\"path\":\"{path}\",\"threads\":{t},\"seconds\":{best:E4},\"gflops\":{gflops:F2}}}"));
                }
            }
        }

        return 0;
    }

    /// <summary>Best single-call time over repetitions filling about <paramref name="budget"/> seconds.</summary>
    public static double Time(Action action, double budget)
    {
        action();
        double best = double.MaxValue;
        var total = Stopwatch.StartNew();
        int runs = 0;
        while (runs < 3 || total.Elapsed.TotalSeconds < budget)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
            runs++;
        }

        return best;
    }

    private static string[] DefaultShapes() =>
        GemmShapes.Rows.SelectMany(m => GemmShapes.Layers.Select(l => $"{m}x{l.K}x{l.N}")).ToArray();

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
