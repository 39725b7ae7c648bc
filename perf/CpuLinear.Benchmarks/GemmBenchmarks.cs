using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using CpuLinear.Kernels;
using CpuLinear.Simd;

namespace CpuLinear.Benchmarks;

/// <summary>
/// GEMM throughput on the shapes evolution strategies runs (a batch of M rows through 784x512, 512x512 and
/// 512x10), on every kernel path and on 1 and 2 threads. Paths the CPU does not accelerate are skipped by
/// <see cref="Setup"/> reporting them as such, not silently timed in emulation.
/// Run: <c>dotnet run -c Release --project perf/CpuLinear.Benchmarks -- --filter *GemmBenchmarks*</c>
/// </summary>
[Config(typeof(Config))]
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];
    private int _m, _k, _n;
    private EngineSettings _settings = EngineSettings.Default;

    public static IEnumerable<string> Shapes =>
        GemmShapes.Rows.SelectMany(m => GemmShapes.Layers.Select(l => $"{m}x{l.K}x{l.N}"));

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "";

    [ParamsSource(nameof(Paths))]
    public KernelPath Path { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    public static IEnumerable<KernelPath> Paths => KernelRegistry.Accelerated;

    [GlobalSetup]
    public void Setup()
    {
        int[] d = Shape.Split('x').Select(int.Parse).ToArray();
        (_m, _k, _n) = (d[0], d[1], d[2]);
        _a = GemmShapes.Fill(_m * _k, 1);
        _b = GemmShapes.Fill(_k * _n, 2);
        _c = new float[_m * _n];
        _settings = new EngineSettings { Path = Path, MaxThreads = Threads };
    }

    [Benchmark]
    public void Multiply() => Gemm.Multiply(_m, _n, _k, _a, _k, _b, _n, _c, _n, _settings);

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.ShortRun.WithWarmupCount(2).WithIterationCount(5));
            AddColumn(new GflopsColumn());
        }
    }
}
