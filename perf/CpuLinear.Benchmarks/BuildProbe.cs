using System.Diagnostics;
using CpuLinear.Kernels;
using CpuLinear.Simd;
using CpuLinear.Training;

namespace CpuLinear.Benchmarks;

public static class BuildProbe
{
    public static int Run()
    {
        const int width = 512, n = 200_000;
        float[] signs = new float[width], product = new float[width], bias = new float[width], eligible = new float[width], plus = new float[width], minus = new float[width];
        Array.Fill(eligible, 1f);
        Array.Fill(product, 0.7f);
        for (int rep = 0; rep < 2; rep++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < n; i++)
            {
                ActivityEvolutionRun.FillSigns(1, 0, 0, i & 255, i >> 8, signs);
            }

            double fill = clock.Elapsed.TotalSeconds / n * 1e9;
            clock.Restart();
            for (int i = 0; i < n; i++)
            {
                PerturbedPair.Build(product, bias, eligible, signs, 0.05f, 0.5f, 0.5f, plus, minus, KernelRegistry.Selected);
            }

            double build = clock.Elapsed.TotalSeconds / n * 1e9;
            Console.WriteLine($"fill {fill:F0} ns, pair {build:F0} ns per 512-wide pair");
        }

        return 0;
    }
}
