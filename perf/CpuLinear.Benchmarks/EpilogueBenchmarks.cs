using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using CpuLinear.Kernels;

namespace CpuLinear.Benchmarks;

/// <summary>
/// What fusing bias and dead zone into the GEMM's store costs, against a plain GEMM and against the same work
/// done as separate passes over C.
/// Run: <c>dotnet run -c Release --project perf/CpuLinear.Benchmarks -- --filter *Epilogue*</c>
/// </summary>
[Config(typeof(Config))]
public class EpilogueBenchmarks
{
    private const int M = 1024, K = 784, N = 512;
    private readonly float[] _a = GemmShapes.Fill(M * K, 1), _b = GemmShapes.Fill(K * N, 2), _bias = GemmShapes.Fill(N, 3), _c = new float[M * N];
    private readonly EngineSettings _settings = new() { MaxThreads = 2 };

    [Benchmark(Baseline = true)]
    public void Plain() => Gemm.Multiply(M, N, K, _a, K, _b, N, _c, N, _settings);

    [Benchmark]
    public void FusedBiasDeadZone() => Gemm.Multiply(M, N, K, _a, K, _b, N, _c, N, new BiasDeadZoneEpilogue(_bias, 0.5f), _settings);

    [Benchmark]
    public void SeparatePasses()
    {
        Gemm.Multiply(M, N, K, _a, K, _b, N, _c, N, _settings);
        for (int i = 0; i < M; i++)
        {
            new BiasDeadZoneEpilogue(_bias, 0.5f).Apply(_c.AsSpan(i * N, N), i, 0);
        }
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.ShortRun.WithWarmupCount(2).WithIterationCount(5));
        }
    }
}
