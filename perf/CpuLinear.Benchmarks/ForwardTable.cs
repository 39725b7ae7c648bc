using System.Globalization;
using CommunityToolkit.HighPerformance;
using CpuLinear.Networks;
using CpuLinear.Randomness;

namespace CpuLinear.Benchmarks;

/// <summary>
/// Forward samples/s of the fused executor and the literal program under each semantics, measured in
/// alternating rounds so that load from other processes hits all of them alike; prints JSON lines and the
/// fused/literal ratios. <c>dotnet perf/CpuLinear.Benchmarks/bin/Release/net10.0/CpuLinear.Benchmarks.dll forward</c>
/// </summary>
public static class ForwardTable
{
    public static int Run(string[] args)
    {
        const int batch = 1024;
        int rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        var parameters = NetworkParameters.Initialize(NetworkArchitecture.Default, 1);
        var inputs = new float[batch * 784];
        var logits = new float[batch * 10];
        new CounterRandom(2, 0).FillUniform(inputs);

        (string Name, IForwardExecutor Executor)[] executors =
        [
            ("fused ftz-elementwise", new FusedExecutor()),
            ("literal ftz-elementwise", new LiteralExecutor(FloatSemantics.FtzElementwise)),
            ("literal ieee", new LiteralExecutor(FloatSemantics.Ieee)),
            ("literal ftz-everywhere", new LiteralExecutor(FloatSemantics.FtzEverywhere)),
        ];
        var best = new double[executors.Length];
        Array.Fill(best, double.MaxValue);
        for (int round = 0; round < rounds; round++)
        {
            for (int e = 0; e < executors.Length; e++)
            {
                IForwardExecutor executor = executors[e].Executor;
                best[e] = Math.Min(best[e], GemmTable.Time(
                    () => executor.Forward(parameters, new ReadOnlySpan2D<float>(inputs, batch, 784), new Span2D<float>(logits, batch, 10)), 0.3));
            }
        }

        for (int e = 0; e < executors.Length; e++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"executor\":\"{executors[e].Name}\",\"batch\":{batch},\"seconds\":{best[e]:E4},\"samples_per_second\":{batch / best[e]:F0},\"fused_speedup\":{best[e] / best[0]:F2}}}"));
        }

        return 0;
    }
}
