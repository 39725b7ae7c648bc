using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using CpuLinear.Kernels;
using CpuLinear.Numerics;

namespace CpuLinear.Benchmarks;

/// <summary>
/// The microcode-assist penalty: the same GEMM with normal inputs, and with B scaled by 2^-125 so nearly every
/// product is subnormal (as in the paper's network), under IEEE rules and under FTZ+DAZ set through the shim.
/// Run: <c>dotnet run -c Release --project perf/CpuLinear.Benchmarks -- --filter *SubnormalGemm*</c>
/// </summary>
[Config(typeof(Config))]
public class SubnormalGemmBenchmarks
{
    private float[] _a = [], _normal = [], _subnormal = [], _c = [];
    private int _m, _k, _n;
    private EngineSettings _settings = EngineSettings.Default;

    [Params("1024x784x512", "1024x512x512")]
    public string Shape { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        int[] d = Shape.Split('x').Select(int.Parse).ToArray();
        (_m, _k, _n) = (d[0], d[1], d[2]);
        _a = GemmShapes.Fill(_m * _k, 1);
        _normal = GemmShapes.Fill(_k * _n, 2);
        _subnormal = GemmShapes.Fill(_k * _n, 2, MathF.ScaleB(1f, -125));
        _c = new float[_m * _n];
        _settings = new EngineSettings { MaxThreads = 2 };
    }

    [Benchmark(Baseline = true)]
    public void NormalIeee() => Gemm.Multiply(_m, _n, _k, _a, _k, _normal, _n, _c, _n, _settings);

    [Benchmark]
    public void NormalFlushToZero()
    {
        using var scope = FloatEnvironment.Enter(FloatMode.FlushToZeroAndDenormalsAreZero);
        Gemm.Multiply(_m, _n, _k, _a, _k, _normal, _n, _c, _n, _settings);
    }

    [Benchmark]
    public void SubnormalIeee() => Gemm.Multiply(_m, _n, _k, _a, _k, _subnormal, _n, _c, _n, _settings);

    [Benchmark]
    public void SubnormalFlushToZero()
    {
        using var scope = FloatEnvironment.Enter(FloatMode.FlushToZeroAndDenormalsAreZero);
        Gemm.Multiply(_m, _n, _k, _a, _k, _subnormal, _n, _c, _n, _settings);
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.ShortRun.WithWarmupCount(1).WithIterationCount(5));
            AddColumn(new GflopsColumn());
        }
    }
}
