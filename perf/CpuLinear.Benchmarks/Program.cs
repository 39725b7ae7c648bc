using BenchmarkDotNet.Running;

namespace CpuLinear.Benchmarks;

/// <summary>
/// BenchmarkDotNet suites (<c>--filter *Gemm*</c> …) plus <c>table</c>, a quick stopwatch sweep that prints JSON
/// lines so <c>tools/compare-openblas.py</c> can interleave it with OpenBLAS in one run.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "table")
        {
            return GemmTable.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "forward")
        {
            return ForwardTable.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "es")
        {
            return EvolutionTable.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "activity")
        {
            return ActivityTable.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "following")
        {
            return FollowingTable.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "peak")
        {
            foreach (string t in args.Length > 1 ? args[1].Split(',') : ["1", "2"])
            {
                Console.WriteLine($"{{\"library\":\"fma-peak\",\"threads\":{t},\"gflops\":{FmaPeak.GigaflopsPerSecond(int.Parse(t)):F2}}}");
            }

            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
