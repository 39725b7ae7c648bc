using System.Diagnostics;
using System.Globalization;
using CommunityToolkit.HighPerformance;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Kernels;
using CpuLinear.Networks;
using CpuLinear.Randomness;
using CpuLinear.Training;

namespace CpuLinear.Benchmarks;

/// <summary>
/// <c>es [pairs] [batch] [seconds] [units] [unit-pairs] [later-pairs]</c>: ES generations/s and sample-evaluations/s on the blog network for the
/// default population and batch, low rank (r = 1) and full rank; the share of a generation spent in GEMM
/// (the same GEMMs, same shapes and thread layout, timed alone); then the same generation in plain numpy,
/// measured in the same run. Fixed-seed random pixels: the cost does not depend on the data.
/// </summary>
public static class EvolutionTable
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static int Run(string[] args)
    {
        var defaults = new EvolutionSettings();
        int pairs = args.Length > 0 ? int.Parse(args[0], Invariant) : defaults.Pairs;
        int batch = args.Length > 1 ? int.Parse(args[1], Invariant) : defaults.BatchSize;
        double budget = args.Length > 2 ? double.Parse(args[2], Invariant) : 10;
        int threads = Environment.ProcessorCount;
        NetworkArchitecture net = NetworkArchitecture.Default;
        using LabeledImages data = RandomImages(4 * batch, net.Inputs);

        foreach (int rank in new[] { 1, 0 })
        {
            double perGeneration = SecondsPerGeneration(net, defaults with { Pairs = pairs, BatchSize = batch, Rank = rank }, data, budget);
            double gemm = Time(() => GenerationGemms(net, pairs, batch, rank, threads), budget / 2);
            Console.WriteLine(string.Create(Invariant,
                $"{{\"library\":\"cpulinear\",\"rank\":{rank},\"pairs\":{pairs},\"batch\":{batch},\"threads\":{threads},\"generations_per_s\":{1 / perGeneration:F3},\"sample_evaluations_per_s\":{2 * pairs * batch / perGeneration:F0},\"gemm_fraction\":{gemm / perGeneration:F3}}}"));
        }

        // Optionally the unit-subset population (members perturb `units` first-layer units): its cost is not in
        // GEMMs of the shapes above, so only its rates are reported.
        if (args.Length > 3)
        {
            int units = int.Parse(args[3], Invariant);
            int unitPairs = args.Length > 4 ? int.Parse(args[4], Invariant) : 8 * pairs;
            var trainer = new EvolutionTrainer(NetworkParameters.Initialize(net, 1), defaults with { Pairs = unitPairs, BatchSize = batch, Rank = 1, FirstLayerUnits = units, Generations = 1_000_000 });
            trainer.Step(data);
            (double perGeneration, double fastest) = TimeWithFastest(() => trainer.Step(data), budget);
            double peak = FmaPeak.GigaflopsPerSecond(threads);
            double work = 2 * UnitSubsetMultiplyAdds(net, units, 1) * 2 * unitPairs * batch / 1e9;
            // The peak is the best of its trials; on a shared machine the fastest generation is the like-for-like
            // figure beside it (the mean is reported too).
            Console.WriteLine(string.Create(Invariant,
                $"{{\"library\":\"cpulinear\",\"rank\":1,\"first_layer_units\":{units},\"pairs\":{unitPairs},\"batch\":{batch},\"threads\":{threads},\"generations_per_s\":{1 / perGeneration:F3},\"sample_evaluations_per_s\":{2 * unitPairs * batch / perGeneration:F0},\"useful_gflops\":{work / perGeneration:F1},\"fastest_useful_gflops\":{work / fastest:F1},\"fma_peak_gflops\":{peak:F1},\"fraction_of_peak\":{work / perGeneration / peak:F3},\"fastest_fraction_of_peak\":{work / fastest / peak:F3}}}"));
        }

        // Optionally a block population of one low-rank pair and `later` later-layer pairs (members perturb only the
        // layers after the first and reuse θ's H₁ and H₁·W₂): almost all of its cost is the later-layer members'.
        if (args.Length > 5)
        {
            int later = int.Parse(args[5], Invariant);
            double perGeneration = SecondsPerGeneration(net, defaults with { Pairs = 1, LaterLayerPairs = later, BatchSize = batch, Rank = 1 }, data, budget);
            Console.WriteLine(string.Create(Invariant,
                $"{{\"library\":\"cpulinear\",\"rank\":1,\"pairs\":1,\"later_layer_pairs\":{later},\"batch\":{batch},\"threads\":{threads},\"generations_per_s\":{1 / perGeneration:F3},\"sample_evaluations_per_s\":{2 * (1 + later) * batch / perGeneration:F0}}}"));
        }

        string script = Path.Combine(AppContext.BaseDirectory, "es_numpy.py");
        using var python = Process.Start(new ProcessStartInfo("/usr/bin/python3", [script, pairs.ToString(Invariant), batch.ToString(Invariant), budget.ToString(Invariant)]) { RedirectStandardOutput = true })!;
        Console.Write(python.StandardOutput.ReadToEnd());
        python.WaitForExit();
        return python.ExitCode;
    }

    // Multiply-adds one unit-subset member needs per row: Δ·W₂[units, :] (k·width), the rank-r term's B₂ (r·width),
    // the last layer (width·classes) and its half of the pair's projections x·A₁ and H₁·A₂ ((inputs + width)·r / 2),
    // plus its share of the generation's shared H₁ = x·W₁ and H₁·W₂ (negligible at 2048 members). The count a
    // member cannot avoid in this decomposition: the measure of "useful" work against the FMA peak.
    private static double UnitSubsetMultiplyAdds(NetworkArchitecture net, int units, int rank)
    {
        int inputs = net.Inputs, width = net.Widths[1], classes = net.Outputs;
        return (units * (double)width) + (rank * (double)width) + (width * (double)classes) + ((inputs + width) * rank / 2.0);
    }

    // The GEMMs of one generation with the trainer's layout: x·W₁ and x·[A of every pair] shared (all threads,
    // low rank); per member, with members spread over the threads and one thread per GEMM, layer 1 (full rank),
    // layers 2 and 3; the gradient GEMMs (low rank). Full rank has no gradient GEMM: its ĝ is an element-wise weighted sum.
    private static void GenerationGemms(NetworkArchitecture net, int pairs, int batch, int rank, int threads)
    {
        var single = new EngineSettings { MaxThreads = 1 };
        int widest = net.Widths.Skip(1).Max();
        float[] x = Buffer(batch * net.Inputs);
        float[] weights = Buffer(net.Inputs * widest);
        if (rank > 0)
        {
            Gemm.Multiply(Matrix(x, batch, net.Inputs), Matrix(weights, net.Inputs, net.Widths[1]), new Span2D<float>(Buffer(batch * widest), batch, net.Widths[1]));
            Gemm.Multiply(Matrix(x, batch, net.Inputs), Matrix(Buffer(net.Inputs * pairs * rank), net.Inputs, pairs * rank), new Span2D<float>(Buffer(batch * pairs * rank), batch, pairs * rank));
        }

        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            float[] a = Buffer(batch * widest), b = Buffer(batch * widest), w = Buffer(net.Inputs * widest);
            for (int member = t; member < 2 * pairs; member += threads)
            {
                int first = rank > 0 ? 1 : 0;
                for (int l = first; l < net.LayerCount; l++)
                {
                    float[] source = l == 0 ? x : a;
                    Gemm.Multiply(Matrix(source, batch, net.Widths[l]), Matrix(w, net.Widths[l], net.Widths[l + 1]), new Span2D<float>(b, batch, net.Widths[l + 1]), single);
                }
            }
        });

        if (rank > 0)
        {
            for (int l = 0; l < net.LayerCount; l++)
            {
                Gemm.Multiply(Matrix(Buffer(net.Widths[l] * pairs * rank), net.Widths[l], pairs * rank), Matrix(Buffer(pairs * rank * net.Widths[l + 1]), pairs * rank, net.Widths[l + 1]),
                    new Span2D<float>(Buffer(net.Widths[l] * net.Widths[l + 1]), net.Widths[l], net.Widths[l + 1]));
            }
        }
    }

    // Warm-up generations (here and in Time), then the mean over the budget; the schedule is stretched so σ and lr do not move.
    private static double SecondsPerGeneration(NetworkArchitecture net, EvolutionSettings settings, LabeledImages data, double budget)
    {
        var trainer = new EvolutionTrainer(NetworkParameters.Initialize(net, 1), settings with { Generations = 1_000_000 });
        trainer.Step(data);
        return Time(() => trainer.Step(data), budget);
    }

    private static ReadOnlySpan2D<float> Matrix(float[] values, int rows, int columns) => new(values, 0, rows, columns, 0);

    // Small normal-range values: a GEMM's speed must not be skewed by subnormals.
    private static float[] Buffer(int length)
    {
        var values = new float[length];
        Array.Fill(values, 0.01f);
        return values;
    }

    // Mean and fastest seconds per call over the budget, after one warm-up call.
    internal static (double Mean, double Fastest) TimeWithFastest(Action action, double budget)
    {
        action();
        int count = 0;
        double fastest = double.MaxValue;
        var clock = Stopwatch.StartNew();
        do
        {
            long start = Stopwatch.GetTimestamp();
            action();
            fastest = Math.Min(fastest, Stopwatch.GetElapsedTime(start).TotalSeconds);
            count++;
        }
        while (clock.Elapsed.TotalSeconds < budget);
        return (clock.Elapsed.TotalSeconds / count, fastest);
    }

    private static double Time(Action action, double budget)
    {
        action();
        int count = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            action();
            count++;
        }
        while (clock.Elapsed.TotalSeconds < budget);
        return clock.Elapsed.TotalSeconds / count;
    }

    internal static LabeledImages RandomImages(int count, int features)
    {
        var pixels = CommunityToolkit.HighPerformance.Buffers.MemoryOwner<float>.Allocate(count * features);
        new CounterRandom(7, 1).FillUniform(pixels.Span);
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = (byte)(i % 10);
        }

        return new LabeledImages(pixels, labels, 1, features, 10, new DataProvenance("fixed-seed random pixels (benchmark)", null, null, null, null, ChecksumStatus.Unverified));
    }
}
