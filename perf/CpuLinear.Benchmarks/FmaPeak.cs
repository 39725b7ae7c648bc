using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CpuLinear.Benchmarks;

/// <summary>
/// Measures this machine's fused-multiply-add peak: 12 independent register-resident FMA chains per thread,
/// enough to cover FMA latency on every current x86 core, so the loop runs at issue throughput.
/// The GEMM tables report their fraction of this measured figure rather than of a clock-rate estimate,
/// because turbo and double-pumped AVX-512 make the paper figure unreliable. The chains use the widest vector the
/// hardware runs natively (Vector512 only when it is accelerated): on an AVX2 machine twelve emulated 512-bit
/// chains need 24 registers of 16, spill, and measured about half the true peak.
/// </summary>
public static class FmaPeak
{
    public static double GigaflopsPerSecond(int threads, double seconds = 0.5)
    {
        const long iterations = 20_000_000;
        double best = 0;
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds || best == 0)
        {
            long start = Stopwatch.GetTimestamp();
            // Dedicated threads: the thread pool may run short items one after another on a single thread.
            bool wide = Vector512.IsHardwareAccelerated;
            Thread[] workers = Enumerable.Range(0, threads).Select(_ => new Thread(() => { float sink = wide ? Chains(iterations) : Chains256(iterations); GC.KeepAlive(sink); })).ToArray();
            Array.ForEach(workers, w => w.Start());
            Array.ForEach(workers, w => w.Join());
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            double flops = 2.0 * 12 * (wide ? Vector512<float>.Count : Vector256<float>.Count) * iterations * threads;
            best = Math.Max(best, flops / elapsed / 1e9);
        }

        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains(long iterations)
    {
        var x = Vector512.Create(0.999999f);
        var y = Vector512.Create(1e-7f);
        Vector512<float> a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x, a9 = x, a10 = x, a11 = x;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, x, y); a1 = Vector512.FusedMultiplyAdd(a1, x, y);
            a2 = Vector512.FusedMultiplyAdd(a2, x, y); a3 = Vector512.FusedMultiplyAdd(a3, x, y);
            a4 = Vector512.FusedMultiplyAdd(a4, x, y); a5 = Vector512.FusedMultiplyAdd(a5, x, y);
            a6 = Vector512.FusedMultiplyAdd(a6, x, y); a7 = Vector512.FusedMultiplyAdd(a7, x, y);
            a8 = Vector512.FusedMultiplyAdd(a8, x, y); a9 = Vector512.FusedMultiplyAdd(a9, x, y);
            a10 = Vector512.FusedMultiplyAdd(a10, x, y); a11 = Vector512.FusedMultiplyAdd(a11, x, y);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains256(long iterations)
    {
        var x = Vector256.Create(0.999999f);
        var y = Vector256.Create(1e-7f);
        Vector256<float> a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x, a9 = x, a10 = x, a11 = x;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, x, y); a1 = Vector256.FusedMultiplyAdd(a1, x, y);
            a2 = Vector256.FusedMultiplyAdd(a2, x, y); a3 = Vector256.FusedMultiplyAdd(a3, x, y);
            a4 = Vector256.FusedMultiplyAdd(a4, x, y); a5 = Vector256.FusedMultiplyAdd(a5, x, y);
            a6 = Vector256.FusedMultiplyAdd(a6, x, y); a7 = Vector256.FusedMultiplyAdd(a7, x, y);
            a8 = Vector256.FusedMultiplyAdd(a8, x, y); a9 = Vector256.FusedMultiplyAdd(a9, x, y);
            a10 = Vector256.FusedMultiplyAdd(a10, x, y); a11 = Vector256.FusedMultiplyAdd(a11, x, y);
        }

        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
