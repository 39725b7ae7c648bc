using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CpuLinear.Checkpoints;
using CpuLinear.Cli.Evolution;
using CpuLinear.Cli.Options;
using CpuLinear.Data;
using CpuLinear.Networks;
using CpuLinear.Optimization;
using CpuLinear.Scoring;
using CpuLinear.Training;
using Spectre.Console;

namespace CpuLinear.Cli.Commands;

/// <summary>
/// `cpulinear train --method bp ...`: backprop on the dead-zone network of a dataset, checkpoints, per-epoch figures,
/// and the dataset's converged linear ceiling beside the result.
/// </summary>
internal static class TrainCommand
{
    /// <summary>Default epochs on MNIST: the FTZ-aware reference schedule (docs/science.md §6 and §9), well under a minute per gradient mode on 2 cores.</summary>
    public const int DefaultEpochs = DatasetDefaults.ImageEpochs;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Builds the command; tests pass their own console and error writer.</summary>
    public static Command Create(IAnsiConsole? output = null, TextWriter? errors = null)
    {
        var method = new Option<string>("--method") { Description = "Training method: bp (backprop) or es (evolution strategies).", Required = true };
        var gradient = new Option<string>("--gradient")
        {
            Description = "bp: straight-through (the blog's), pure-linear, ftz-aware, or all (the three plus the linear-classifier ceiling).",
            DefaultValueFactory = _ => "straight-through",
        };
        var epochs = new Option<int>("--epochs") { Description = $"bp: passes over the training set (xor, circles, parityN: {DatasetDefaults.SyntheticEpochs}).", DefaultValueFactory = _ => DefaultEpochs };
        var batch = new Option<int>("--batch") { Description = "bp: minibatch size (es: --es-batch).", DefaultValueFactory = _ => 128 };
        var lr = new Option<float>("--lr") { Description = $"bp: Adam learning rate for the first half of the epochs; ×0.3 after (xor, circles, parityN: {DatasetDefaults.Synthetic.LearningRate}).", DefaultValueFactory = _ => DatasetDefaults.Images.LearningRate };
        Option<ulong> seed = SharedOptions.Seed("Seed of initialisation, minibatch order and (es) noise.");
        Option<int> threads = SharedOptions.Threads();
        var outDir = new Option<string>("--out") { Description = "Folder for the checkpoints.", DefaultValueFactory = _ => "checkpoints" };
        Option<string?> dataDir = SharedOptions.DataDirectory();
        var limit = new Option<int?>("--limit") { Description = "bp: train and measure on the first N training and N test examples; es: evaluate the first N of each split at the end (quick runs). The linear ceiling is then trained on the first N training examples." };
        Option<bool> overwrite = RunOutputs.CreateOverwriteOption();
        Option<string?> dataset = DatasetChoice.Option($"Default: {DatasetChoice.Default} (--resume: the checkpoint's). {DatasetDefaults.Help}");
        Option<string?> hidden = DatasetChoice.Hidden();
        Option<int> scale = DatasetChoice.ScaleExponent();
        Option<bool> noCeiling = NoCeilingOption();

        var evolution = new EvolutionOptions();
        var command = new Command("train", "Train a deep linear network (default: 784-512-512-10 on MNIST) and write safetensors checkpoints.");
        evolution.AddTo(command);
        foreach (Option option in new Option[] { method, gradient, epochs, batch, lr, seed, threads, outDir, dataDir, limit, overwrite, dataset, hidden, scale, noCeiling })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => CommandErrors.Run(errors, () =>
        {
            if (parse.GetValue(method) == "es")
            {
                SharedOptions.RejectIgnored(parse, "train --method es (backprop's options; ES has --generations, --pairs, --es-batch, --es-lr, ...)", [gradient, epochs, batch, lr]);
                EvolutionTrainCommand.Run(
                    output ?? AnsiConsole.Console, parse, evolution, parse.GetValue(seed),
                    SharedOptions.Engine(parse, threads), parse.GetValue(outDir)!, parse.GetValue(dataDir), Limit(parse.GetValue(limit)), errors ?? Console.Error,
                    parse.GetValue(overwrite), new EvolutionTrainCommand.Network(dataset, hidden, scale, !parse.GetValue(noCeiling)));
                return;
            }

            if (parse.GetValue(method) != "bp")
            {
                throw new ArgumentException($"--method must be bp (backprop) or es (evolution strategies); got '{parse.GetValue(method)}'.");
            }

            SharedOptions.RejectIgnored(parse, "train --method bp (evolution strategies' options)", evolution.All);
            string gradientName = parse.GetValue(gradient)!;
            if (gradientName == "all")
            {
                SharedOptions.RejectIgnored(parse, "--gradient all (the ceiling is one of its rows)", [noCeiling]);
            }

            GradientMode[] modes = gradientName == "all"
                ? [GradientMode.StraightThrough, GradientMode.PureLinear, GradientMode.FtzAware]
                : [CheckpointNames.ParseGradient(gradientName) ?? throw new ArgumentException($"--gradient must be straight-through, pure-linear, ftz-aware or all; got '{gradientName}'.")];
            string datasetName = DatasetChoice.Name(parse, dataset);
            DatasetDefaults defaults = DatasetDefaults.For(datasetName);
            (IReadOnlyList<int> hiddenWidths, int scaleExponent) = DatasetChoice.Shape(parse, hidden, scale, datasetName);
            var run = new RunSettings(
                Positive(Explicit(parse, epochs, defaults.Epochs), "--epochs"), Positive(parse.GetValue(batch), "--batch"), Explicit(parse, lr, defaults.LearningRate), parse.GetValue(seed),
                SharedOptions.Engine(parse, threads), parse.GetValue(outDir)!, Limit(parse.GetValue(limit)), datasetName);
            if (!(run.LearningRate > 0) || float.IsInfinity(run.LearningRate))
            {
                throw new ArgumentException($"--lr must be a positive number; got {run.LearningRate}.");
            }

            // The checkpoints of an earlier run in --out are kept unless --overwrite says otherwise.
            string[] names = [.. modes.Select(m => $"bp-{CheckpointNames.Of(m)}"), .. gradientName == "all" ? new[] { "linear-ceiling" } : []];
            RunOutputs.Claim(run.OutDir, [.. names.Select(n => n + ".safetensors")], parse.GetValue(overwrite), resume: null, errors ?? Console.Error);
            IAnsiConsole console = output ?? AnsiConsole.Console;
            using DatasetSplits data = DatasetChoice.Load(datasetName, parse.GetValue(dataDir), errors ?? Console.Error);
            NetworkArchitecture net = DatasetChoice.Network(data, hiddenWidths, scaleExponent);
            var results = new List<RunResult>();
            foreach (GradientMode mode in modes)
            {
                results.Add(Train(console, data, net, mode, run, $"bp-{CheckpointNames.Of(mode)}"));
            }

            if (!parse.GetValue(noCeiling))
            {
                LinearCeilingReport ceiling = LinearCeilingReport.Measure(data, run.Seed, run.Engine, run.Limit);
                console.WriteLine(ceiling.Line());
                if (gradientName == "all")
                {
                    string path = Path.Combine(run.OutDir, "linear-ceiling.safetensors");
                    SafetensorsCheckpoint.Write(path, new Checkpoint(ceiling.Result.Parameters, FloatSemantics.Ieee, "bp", CheckpointNames.Of(GradientMode.PureLinear), run.Seed, ceiling.Epochs)
                    {
                        Extra = new Dictionary<string, string> { ["epoch"] = ceiling.Epochs.ToString(Invariant), [CheckpointNames.DatasetKey] = run.Dataset, ["batch"] = "128" },
                    });
                    console.MarkupLineInterpolated($"checkpoint: [blue]{path}[/]");
                    // No hidden layer, so no dead zone: the one float32 softmax regression under every semantics.
                    results.Add(new RunResult("linear-ceiling", ceiling.Train, ceiling.Test, ceiling.Train, ceiling.Test, ceiling.Seconds, path));
                    RenderComparison(console, results, run.Dataset);
                }
            }
        }));
        return command;
    }

    private sealed record RunSettings(int Epochs, int Batch, float LearningRate, ulong Seed, EngineSettings Engine, string OutDir, int? Limit, string Dataset);

    /// <summary><c>--no-ceiling</c>: skip the linear ceiling (seconds on MNIST, more than a short run).</summary>
    internal static Option<bool> NoCeilingOption() => new("--no-ceiling")
    {
        Description = "Skip the dataset's converged linear ceiling (softmax regression, trained to convergence and printed beside the result: about 15 s on MNIST).",
    };

    /// <summary>The option's value when given, else the dataset's default.</summary>
    internal static T Explicit<T>(ParseResult parse, Option<T> option, T fallback) =>
        parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option)! : fallback;

    /// <summary><c>--limit</c>, checked.</summary>
    internal static int? Limit(int? limit) =>
        limit is < 1 ? throw new ArgumentException($"--limit must be at least 1; got {limit}.") : limit;

    private sealed record RunResult(string Name, EvaluationResult Train, EvaluationResult Test, EvaluationResult IeeeTrain, EvaluationResult IeeeTest, double Seconds, string Checkpoint);

    private static RunResult Train(IAnsiConsole console, DatasetSplits data, NetworkArchitecture net, GradientMode mode, RunSettings run, string name)
    {
        var parameters = NetworkParameters.Initialize(net, run.Seed);
        var trainer = new BackpropTrainer(parameters, mode, run.Engine);
        // Progress lines use the fused dead-zone executor; the final figures come from the literal float32 program.
        IForwardExecutor evaluator = EvaluationExecutors.Fast(run.Engine);
        FloatSemantics semantics = mode == GradientMode.PureLinear ? FloatSemantics.Ieee : FloatSemantics.FtzElementwise;
        LearningRateSchedule schedule = LearningRateSchedule.HalfThenDecay(run.LearningRate, run.Epochs);
        string path = Path.Combine(run.OutDir, name + ".safetensors");
        int trainCount = Math.Min(run.Limit ?? data.Train.Count, data.Train.Count);

        console.MarkupLineInterpolated($"[bold]{name}[/]: {net} on {run.Dataset}, gradient {CheckpointNames.Of(mode)}, evaluated as ftz-elementwise, {run.Epochs} epochs, batch {run.Batch}, seed {run.Seed}");
        var table = new Table().AddColumns("Epoch", "lr", "Train acc", "Train loss", "Test acc", "Test loss", "Seconds");
        var clock = Stopwatch.StartNew();
        EvaluationResult train = default, test = default;
        for (int epoch = 0; epoch < run.Epochs; epoch++)
        {
            float rate = schedule.At(epoch);
            console.Progress().AutoClear(true).HideCompleted(true).Start(context =>
            {
                ProgressTask task = context.AddTask($"{name} epoch {epoch + 1}/{run.Epochs}", maxValue: trainCount);
                trainer.TrainEpoch(data.Train, epoch, run.Batch, rate, run.Seed, run.Limit, done => task.Value = done);
            });
            train = Evaluation.Run(evaluator, parameters, data.Train, run.Limit);
            test = Evaluation.Run(evaluator, parameters, data.Test, run.Limit);
            SafetensorsCheckpoint.Write(path, new Checkpoint(parameters, semantics, "bp", CheckpointNames.Of(mode), run.Seed, trainer.Optimizer.Step,
                trainer.Optimizer.FirstMoment, trainer.Optimizer.SecondMoment)
            {
                Extra = new Dictionary<string, string> { ["epoch"] = (epoch + 1).ToString(Invariant), [CheckpointNames.DatasetKey] = run.Dataset, ["batch"] = run.Batch.ToString(Invariant) },
            });
            string line = $"epoch {epoch + 1}: lr {rate:G3}, train {train.Accuracy:P2} (loss {train.Loss:F4}), test {test.Accuracy:P2} (loss {test.Loss:F4}), {clock.Elapsed.TotalSeconds:F1} s";
            console.WriteLine(line.Replace("\u00A0", " ", StringComparison.Ordinal));
            table.AddRow((epoch + 1).ToString(Invariant), rate.ToString("G3", Invariant), train.Accuracy.ToString("P2", Invariant), train.Loss.ToString("F4", Invariant),
                test.Accuracy.ToString("P2", Invariant), test.Loss.ToString("F4", Invariant), clock.Elapsed.TotalSeconds.ToString("F1", Invariant));
        }

        console.Write(table);
        double trainingSeconds = clock.Elapsed.TotalSeconds;
        console.WriteLine($"{name}: measuring with the literal float32 program (ftz-elementwise and ieee)...");
        IForwardExecutor literal = EvaluationExecutors.Reference(FloatSemantics.FtzElementwise, run.Engine);
        IForwardExecutor ieee = EvaluationExecutors.Reference(FloatSemantics.Ieee, run.Engine);
        train = Evaluation.Run(literal, parameters, data.Train, run.Limit);
        test = Evaluation.Run(literal, parameters, data.Test, run.Limit);
        EvaluationResult ieeeTrain = Evaluation.Run(ieee, parameters, data.Train, run.Limit);
        EvaluationResult ieeeTest = Evaluation.Run(ieee, parameters, data.Test, run.Limit);
        console.WriteLine(string.Create(Invariant,
            $"{name} (literal): ftz-elementwise train {train.Accuracy:P2} test {test.Accuracy:P2}; ieee train {ieeeTrain.Accuracy:P2} test {ieeeTest.Accuracy:P2}").Replace("\u00A0", " ", StringComparison.Ordinal));
        console.MarkupLineInterpolated($"checkpoint: [blue]{path}[/]");
        return new RunResult(name, train, test, ieeeTrain, ieeeTest, trainingSeconds, path);
    }

    private static void RenderComparison(IAnsiConsole console, List<RunResult> results, string dataset)
    {
        var table = new Table().Title($"[bold]Backprop gradients vs the linear-classifier ceiling on {Markup.Escape(dataset)}[/]")
            .AddColumns("Run", "Train (ftz-elementwise)", "Test (ftz-elementwise)", "Train (ieee)", "Test (ieee)", "Training seconds");
        foreach (RunResult r in results)
        {
            table.AddRow(Markup.Escape(r.Name), r.Train.Accuracy.ToString("P2", Invariant), r.Test.Accuracy.ToString("P2", Invariant),
                r.IeeeTrain.Accuracy.ToString("P2", Invariant), r.IeeeTest.Accuracy.ToString("P2", Invariant), r.Seconds.ToString("F1", Invariant));
        }

        table.Caption("Deep networks measured with the literal float32 program under each semantics; the ceiling (softmax regression trained to convergence, no hidden layer) is the same under all.");

        console.Write(table);
    }

    private static int Positive(int value, string option) =>
        value >= 1 ? value : throw new ArgumentException($"{option} must be at least 1; got {value}.");
}
