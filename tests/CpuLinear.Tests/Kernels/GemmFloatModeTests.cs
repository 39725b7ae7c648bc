using CpuLinear.Kernels;
using CpuLinear.Numerics;

namespace CpuLinear.Tests.Kernels;

public class GemmFloatModeTests
{
    /// <summary>
    /// Every product 2^-100 · 2^-30 = 2^-130 is subnormal. Under FTZ+DAZ each chain step flushes to 0, so C is 0;
    /// under IEEE the 512 products sum to 2^-121. A work item that ran on a pool thread without the caller's
    /// mode would leave 2^-121 in its rows.
    /// </summary>
    [Fact]
    public void WorkerThreadsComputeUnderTheCallersMode()
    {
        const int m = 4096, n = 64, k = 512;
        float[] a = Enumerable.Repeat(MathF.ScaleB(1, -100), m * k).ToArray();
        float[] b = Enumerable.Repeat(MathF.ScaleB(1, -30), k * n).ToArray();
        var c = new float[m * n];
        var settings = new EngineSettings { MaxThreads = 4 };

        Gemm.Multiply(m, n, k, a, k, b, n, c, n, settings);
        Assert.All(c, v => Assert.Equal(MathF.ScaleB(1, -121), v));

        using (FloatEnvironment.Enter(FloatMode.FlushToZeroAndDenormalsAreZero))
        {
            Gemm.Multiply(m, n, k, a, k, b, n, c, n, settings);
        }

        int unflushedRows = Enumerable.Range(0, m).Count(i => c[i * n] != 0f);
        Assert.True(unflushedRows == 0, $"{unflushedRows} of {m} rows were computed without FTZ+DAZ");
        Assert.Equal(FloatMode.Ieee, FloatEnvironment.CurrentMode);
        AssertPoolThreadsAreIeee();
    }

    /// <summary>Pool threads, including any the GEMM caused to be created, must not be left flushed.</summary>
    private static void AssertPoolThreadsAreIeee()
    {
        var flushed = new System.Collections.Concurrent.ConcurrentBag<int>();
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            if (FloatEnvironment.CurrentMode != FloatMode.Ieee)
            {
                flushed.Add(Environment.CurrentManagedThreadId);
            }

            Thread.Sleep(2);
        });
        Assert.True(flushed.IsEmpty, $"pool threads left flushed: {string.Join(", ", flushed.Distinct())}");
    }
}
