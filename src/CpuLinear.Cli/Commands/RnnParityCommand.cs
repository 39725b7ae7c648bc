using System.CommandLine;
using System.Globalization;
using System.Text;
using CpuLinear.Checkpoints;
using CpuLinear.Cli.Options;
using CpuLinear.Cli.Plots;
using CpuLinear.Experiments;
using CpuLinear.Networks;
using Spectre.Console;

namespace CpuLinear.Cli.Commands;

/// <summary>
/// <c>cpulinear experiment rnn-parity</c>: a linear RNN with positive-eigenvalue state matrix trained by ES on parity
/// under each semantics, beside the one-layer baseline (<see cref="RnnParityExperiment"/>); writes rnn-parity.csv and
/// rnn-parity.png into --out.
/// </summary>
internal static class RnnParityCommand
{
    /// <summary>The CSV's header: one row per trained model.</summary>
    public const string CsvHeader = "model,state_matrix,semantics,length,test_sequences,test_accuracy,ieee_test_accuracy,count_threshold,final_loss,smallest_eigenvalue,eigenvalue_radius,seconds";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Builds the subcommand.</summary>
    public static Command Create(IAnsiConsole? output = null, TextWriter? errors = null)
    {
        var defaults = new RnnParitySettings();
        var outDir = new Option<string>("--out") { Description = "Folder for rnn-parity.csv and rnn-parity.png.", DefaultValueFactory = _ => "experiments" };
        var lengths = new Option<string>("--lengths") { Description = "Sequence lengths, comma-separated.", DefaultValueFactory = _ => string.Join(',', defaults.Lengths) };
        var semantics = new Option<string>("--semantics")
        {
            Description = "Semantics to train and test the RNN under, comma-separated (ieee, ftz-elementwise, ftz-everywhere).",
            DefaultValueFactory = _ => string.Join(',', defaults.Semantics.Select(CheckpointNames.Of)),
        };
        var state = new Option<int>("--state") { Description = "State units.", DefaultValueFactory = _ => defaults.StateSize };
        var stateMatrix = new Option<string>("--state-matrix")
        {
            Description = "positive: W = QΛQ⁻¹ with λ > 0 (the experiment); free: every entry of W a parameter (the control).",
            DefaultValueFactory = _ => RnnParityExperiment.StateMatrixName(defaults.StateMatrix),
        };
        var noBaseline = new Option<bool>("--no-baseline") { Description = "Skip the one-layer baseline." };
        var noHandBuilt = new Option<bool>("--no-hand-built") { Description = "Skip the hand-built positive-eigenvalue θ (tested, not trained)." };
        var curriculum = new Option<bool>("--curriculum")
        {
            Description = "Train on sequences with random leading zeros (the parity of the last L bits, L uniform in [1, length]) instead of uniform ones; tests are always uniform.",
        };
        var binary = new Option<bool>("--binary-inputs") { Description = "Feed the bits as 0 / 1 (default −1 / +1)." };
        var temperature = new Option<float>("--temperature") { Description = "T in the fitness −cross-entropy(logits / T).", DefaultValueFactory = _ => defaults.FitnessTemperature };
        var pairs = new Option<int>("--pairs") { Description = "Antithetic pairs per generation.", DefaultValueFactory = _ => defaults.Pairs };
        var batch = new Option<int>("--batch") { Description = "Random training sequences per generation.", DefaultValueFactory = _ => defaults.BatchSize };
        var generations = new Option<int>("--generations") { Description = "Generations per run.", DefaultValueFactory = _ => defaults.Generations };
        var sigma = new Option<string>("--sigma") { Description = "σ from,to (geometric schedule).", DefaultValueFactory = _ => Pair(defaults.SigmaInitial, defaults.SigmaFinal) };
        var lr = new Option<string>("--lr") { Description = "Adam step from,to (geometric schedule).", DefaultValueFactory = _ => Pair(defaults.LearningRateInitial, defaults.LearningRateFinal) };
        var testSequences = new Option<int>("--test-sequences")
        {
            Description = $"Random test sequences at lengths above {defaults.EnumeratedTestLength} (shorter ones test every sequence).",
            DefaultValueFactory = _ => defaults.TestSequences,
        };
        var progressEvery = new Option<int>("--progress") { Description = "Print the population's mean loss every N generations (0: only when a run ends)." };
        Option<ulong> seed = SharedOptions.Seed("Seed of θ₀, the noise and the sequences.");
        Option<int> threads = SharedOptions.Threads();
        Option<bool> overwrite = OutputFiles.CreateOverwriteOption("rnn-parity.csv and rnn-parity.png");

        var command = new Command("rnn-parity", "Train a linear RNN (positive-eigenvalue W, blog scaling) by ES on parity under each semantics, beside a one-layer baseline.");
        foreach (Option option in new Option[] { outDir, lengths, semantics, state, stateMatrix, noBaseline, noHandBuilt, curriculum, binary, temperature, pairs, batch, generations, sigma, lr, testSequences, progressEvery, seed, threads, overwrite })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => CommandErrors.Run(errors, () =>
        {
            TextWriter log = errors ?? Console.Error;
            (float sigmaFrom, float sigmaTo) = ParsePair(parse.GetValue(sigma)!, "--sigma");
            (float lrFrom, float lrTo) = ParsePair(parse.GetValue(lr)!, "--lr");
            var settings = new RnnParitySettings
            {
                Lengths = ExperimentCommand.ParseList<int>(parse.GetValue(lengths)!, "--lengths", "whole numbers", s => int.TryParse(s, NumberStyles.None, Invariant, out int v) ? v : null),
                Semantics = ExperimentCommand.ParseList(parse.GetValue(semantics)!, "--semantics", "ieee, ftz-elementwise or ftz-everywhere", CheckpointNames.ParseSemantics),
                StateSize = parse.GetValue(state),
                StateMatrix = ParseStateMatrix(parse.GetValue(stateMatrix)!),
                OneLayerBaseline = !parse.GetValue(noBaseline),
                HandBuilt = !parse.GetValue(noHandBuilt),
                Curriculum = parse.GetValue(curriculum),
                SignedInputs = !parse.GetValue(binary),
                FitnessTemperature = parse.GetValue(temperature),
                Pairs = parse.GetValue(pairs),
                BatchSize = parse.GetValue(batch),
                Generations = parse.GetValue(generations),
                SigmaInitial = sigmaFrom,
                SigmaFinal = sigmaTo,
                LearningRateInitial = lrFrom,
                LearningRateFinal = lrTo,
                TestSequences = parse.GetValue(testSequences),
                Seed = parse.GetValue(seed),
                Threads = SharedOptions.Engine(parse, threads).MaxThreads,
            };
            settings.Validate();
            int every = parse.GetValue(progressEvery);
            if (every < 0)
            {
                throw new ArgumentException($"--progress must be 0 (off) or a number of generations; got {every}.");
            }

            foreach (FloatSemantics chosen in settings.Semantics)
            {
                // Refused here (ftz-everywhere without the shim), before anything is claimed or run.
                _ = new LinearRnnExecutor(chosen);
            }

            string folder = parse.GetValue(outDir)!;
            string csv = Path.Combine(folder, "rnn-parity.csv"), png = Path.Combine(folder, "rnn-parity.png");
            OutputFiles.Claim([csv, png], parse.GetValue(overwrite), "--out");

            var architecture = new LinearRnnArchitecture(settings.StateSize, settings.StateMatrix);
            log.WriteLine(string.Create(Invariant,
                $"{architecture}: {architecture.ParameterCount} parameters, inputs {(settings.SignedInputs ? "±1" : "0/1")}; ES {settings.Pairs} pairs, batch {settings.BatchSize}, {settings.Generations} generations per run, temperature {settings.FitnessTemperature}{(settings.Curriculum ? ", leading-zeros curriculum" : "")}, seed {settings.Seed}"));
            IReadOnlyList<RnnParityRow> rows = RnnParityExperiment.Run(
                settings,
                row => log.WriteLine(string.Create(Invariant, $"  length {row.Length,3} {ParityAccuracyFigure.Label(row),-40} test {row.TestAccuracy:P2} (ieee {row.IeeeTestAccuracy:P2}) in {row.Seconds:F1} s")),
                every == 0 ? null : (run, generation, loss) =>
                {
                    if ((generation + 1) % every == 0)
                    {
                        log.WriteLine(string.Create(Invariant, $"    {run}: generation {generation + 1}, mean loss {loss:F4}"));
                    }
                });

            ExperimentCommand.Finish(output, Table(rows), csv, Csv(rows), png, ParityAccuracyFigure.Png(rows, architecture.ToString()));
        }));
        return command;
    }

    /// <summary>The rows as CSV (<see cref="CsvHeader"/>); numbers in invariant round-trip form, empty where not defined.</summary>
    public static string Csv(IEnumerable<RnnParityRow> rows) =>
        ExperimentCommand.Csv(CsvHeader, rows, r => string.Create(
            Invariant,
            $"{r.Model},{RnnParityExperiment.StateMatrixName(r.StateMatrix)},{CheckpointNames.Of(r.Semantics)},{r.Length},{r.TestSequences},{R(r.TestAccuracy)},{R(r.IeeeTestAccuracy)},{R(r.CountThreshold)},{R(r.FinalLoss)},{R(r.SmallestEigenvalue)},{R(r.EigenvalueRadius)},{r.Seconds:F2}"));

    private static Table Table(IReadOnlyList<RnnParityRow> rows)
    {
        var table = new Table().Title("[bold]Parity: test accuracy by sequence length[/]")
            .AddColumns("Length", "Model", "Test accuracy", "Same θ under ieee", "Count threshold", "Final loss", "Smallest λ", "λ radius", "Seconds");
        foreach (RnnParityRow r in rows)
        {
            table.AddRow(
                r.Length.ToString(Invariant), Markup.Escape(ParityAccuracyFigure.Label(r)), r.TestAccuracy.ToString("P2", Invariant), r.IeeeTestAccuracy.ToString("P2", Invariant),
                r.CountThreshold.ToString("P2", Invariant), r.FinalLoss.ToString("F4", Invariant),
                double.IsNaN(r.SmallestEigenvalue) ? "-" : r.SmallestEigenvalue.ToString("G4", Invariant),
                double.IsNaN(r.EigenvalueRadius) ? "-" : r.EigenvalueRadius.ToString("G3", Invariant),
                r.Seconds.ToString("F1", Invariant));
        }

        return table;
    }

    private static StateMatrixKind ParseStateMatrix(string name) => name.Trim().ToLowerInvariant() switch
    {
        "positive" => StateMatrixKind.PositiveEigenvalues,
        "free" => StateMatrixKind.Free,
        _ => throw new ArgumentException($"--state-matrix must be positive or free; got '{name}'."),
    };

    private static string Pair(float from, float to) => string.Create(Invariant, $"{from:R},{to:R}");

    private static (float From, float To) ParsePair(string text, string option)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        return parts.Length == 2
            && float.TryParse(parts[0], NumberStyles.Float, Invariant, out float from)
            && float.TryParse(parts[1], NumberStyles.Float, Invariant, out float to)
            ? (from, to)
            : throw new ArgumentException($"{option} takes two numbers, from,to (e.g. 0.1,0.02); got '{text}'.");
    }

    private static string R(double value) => double.IsNaN(value) ? "" : value.ToString("R", Invariant);
}
