using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using CommunityToolkit.HighPerformance;
using CpuLinear.Networks;
using CpuLinear.Randomness;

namespace CpuLinear.Benchmarks;

/// <summary>
/// Forward throughput of the paper's 784-512-512-10 network on a batch of 1024: the fused dead-zone executor
/// against the literal float32 program under each semantics (its GEMMs compute subnormal products under
/// Ieee and FtzElementwise). Run: <c>dotnet run -c Release --project perf/CpuLinear.Benchmarks -- --filter *ForwardBenchmarks*</c>
/// </summary>
[Config(typeof(Config))]
public class ForwardBenchmarks
{
    private const int Batch = 1024;
    private readonly NetworkParameters _parameters = NetworkParameters.Initialize(NetworkArchitecture.Default, 1);
    private readonly float[] _inputs = new float[Batch * 784], _logits = new float[Batch * 10];
    private readonly FusedExecutor _fused = new();
    private readonly LiteralExecutor _literalElementwise = new(FloatSemantics.FtzElementwise);
    private readonly LiteralExecutor _literalIeee = new(FloatSemantics.Ieee);
    private readonly LiteralExecutor _literalEverywhere = new(FloatSemantics.FtzEverywhere);

    public ForwardBenchmarks() => new CounterRandom(2, 0).FillUniform(_inputs);

    [Benchmark(Baseline = true)]
    public void FusedFtzElementwise() => Run(_fused);

    [Benchmark]
    public void LiteralFtzElementwise() => Run(_literalElementwise);

    [Benchmark]
    public void LiteralIeee() => Run(_literalIeee);

    [Benchmark]
    public void LiteralFtzEverywhere() => Run(_literalEverywhere);

    private void Run(IForwardExecutor executor) =>
        executor.Forward(_parameters, new ReadOnlySpan2D<float>(_inputs, Batch, 784), new Span2D<float>(_logits, Batch, 10));

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.ShortRun.WithWarmupCount(2).WithIterationCount(5));
            AddColumn(new SamplesPerSecondColumn(Batch));
        }
    }
}
