using System.Globalization;
using System.Text.RegularExpressions;
using CpuLinear.Checkpoints;
using CpuLinear.Cli.Commands;
using CpuLinear.Data;
using CpuLinear.Networks;
using CpuLinear.Scoring;
using CpuLinear.Tests.Evolution;

namespace CpuLinear.Tests.Training;

/// <summary>
/// <c>--dataset</c> on train, evaluate and reproduce: a synthetic task trains its own small network and passes its
/// linear ceiling, the checkpoint records its data, evaluate finds the data again and refuses data of another shape,
/// and a name that is no dataset is a usage error listing the ones that are.
/// </summary>
public sealed partial class DatasetOptionTests() : TemporaryFolderTest("cpulinear-dataset-")
{
    [Fact]
    public void Es_on_xor_beats_chance_and_its_ceiling_and_evaluate_measures_it_on_xor()
    {
        // The dataset's defaults: a 2-16-16-2 network and the toy ES (32 full-rank pairs, 300 generations).
        string run = Path.Combine(Folder, "xor");
        (int exit, string output, string errors) = Run("train", "--dataset", "xor", "--method", "es", "--threads", "2", "--out", run);
        Assert.True(exit == 0, errors);
        Assert.Contains("es: 2-16-16-2 (s = 2^125) on xor, OpenAI-ES, 64 members, batch 256, 300 generations, rank full", output);
        string path = Path.Combine(run, "es.safetensors");
        Checkpoint checkpoint = SafetensorsCheckpoint.Read(path);
        Assert.Equal("xor", checkpoint.Extra[CheckpointNames.DatasetKey]);
        Assert.Equal(300, checkpoint.Step);

        // Measured here, with the literal program, not read off the command's output.
        using DatasetSplits xor = Datasets.Load("xor", new DatasetLoadOptions { Log = TextWriter.Null });
        double test = Evaluation.Run(EvaluationExecutors.Reference(FloatSemantics.FtzElementwise), checkpoint.Parameters, xor.Test).Accuracy;
        double ceiling = Percent(CeilingTest().Match(output).Groups[1].Value);
        Assert.True(test >= 0.9, $"ES on xor reached {test:P2} test");
        Assert.True(ceiling < 0.6, $"the linear ceiling of xor is {ceiling:P2}: xor should not be linearly solvable");

        // evaluate takes the dataset from the checkpoint and prints the same ceiling beside the figures.
        (exit, output, errors) = Run("evaluate", path, "--threads", "2");
        Assert.True(exit == 0, errors);
        Assert.Contains("es.safetensors: 2-16-16-2 (s = 2^125) measured on xor (2 features, 2 classes)", output);
        Assert.Matches(@"│ test  │ 256\s+│ (9\d|100)\.\d\d %", output);
        Assert.Equal(ceiling, Percent(CeilingTest().Match(output).Groups[1].Value));

        // Data of another shape is refused, naming both shapes and the dataset the checkpoint records.
        (exit, output, errors) = Run("evaluate", path, "--dataset", "mnist");
        Assert.Equal(2, exit);
        Assert.Equal(
            $"error: '{path}' holds a 2-16-16-2 (s = 2^125) network: 2 inputs and 2 classes, but mnist has 784 features and 10 classes; it was trained on xor: pass --dataset xor, or drop --dataset.",
            errors.Trim());
        Assert.Equal("", output);

        // Data of the same shape is another experiment, allowed with a note.
        (exit, output, errors) = Run("evaluate", path, "--dataset", "circles", "--no-ceiling");
        Assert.True(exit == 0, errors);
        Assert.Contains($"note: '{path}' was trained on xor; measuring it on circles as --dataset asks.", errors);
        Assert.Contains("measured on circles (2 features, 2 classes)", output);
        Assert.DoesNotContain("linear ceiling", output);
    }

    [Fact]
    public void A_checkpoint_that_records_no_dataset_is_measured_on_mnist_unless_told_and_refused_with_a_hint()
    {
        // As ES checkpoints were written before they recorded their data.
        Directory.CreateDirectory(Folder);
        string path = Path.Combine(Folder, "old.safetensors");
        var net = new NetworkArchitecture([4, 8, 2]);
        SafetensorsCheckpoint.Write(path, new Checkpoint(NetworkParameters.Initialize(net, 3), FloatSemantics.FtzElementwise, "es", null, 3, 0));
        (int exit, _, string errors) = Run("evaluate", path);
        Assert.Equal(2, exit);
        Assert.Contains("but mnist has 784 features and 10 classes; the checkpoint names no dataset, so pass the one it was trained on with --dataset", errors);

        (exit, string output, errors) = Run("evaluate", path, "--dataset", "Parity4", "--no-ceiling");
        Assert.True(exit == 0, errors);
        Assert.Contains("old.safetensors: 4-8-2 (s = 2^125) measured on parity4 (4 features, 2 classes)", output);
        Assert.Matches(@"│ test  │ 16\s+│", output);
    }

    [Fact]
    public void Bp_on_a_synthetic_dataset_trains_its_own_network_records_the_dataset_and_reports_the_converged_ceiling()
    {
        (int exit, string output, string errors) = Run(
            "train", "--dataset", "parity4", "--method", "bp", "--gradient", "all", "--epochs", "3", "--hidden", "8", "--scale-exponent", "124", "--threads", "2", "--out", Folder);
        Assert.True(exit == 0, errors);
        Assert.Contains("bp-straight-through: 4-8-2 (s = 2^124) on parity4, gradient straight-through", output);
        Assert.Contains("Backprop gradients vs the linear-classifier ceiling on parity4", output);
        foreach (string name in new[] { "bp-straight-through", "bp-pure-linear", "bp-ftz-aware", "linear-ceiling" })
        {
            Checkpoint checkpoint = SafetensorsCheckpoint.Read(Path.Combine(Folder, name + ".safetensors"));
            Assert.Equal("parity4", checkpoint.Extra[CheckpointNames.DatasetKey]);
        }

        // The ceiling is softmax regression trained until its loss stops falling, not the 3 epochs the deep runs had.
        Checkpoint ceiling = SafetensorsCheckpoint.Read(Path.Combine(Folder, "linear-ceiling.safetensors"));
        Assert.Equal([4, 2], ceiling.Parameters.Architecture.Widths);
        Match line = Regex.Match(output, @"linear ceiling of parity4 \(softmax regression trained to convergence: (\d+) epochs");
        Assert.True(line.Success, output);
        Assert.Equal(line.Groups[1].Value, ceiling.Extra["epoch"]);
        Assert.True(int.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture) > 3, line.Value);
        Assert.Matches(@"│ linear-ceiling\s+│ 50\.00 %\s+│ 50\.00 %\s+│ 50\.00 %\s+│ 50\.00 %", output);
    }

    [Fact]
    public void Resume_continues_on_the_checkpoints_own_dataset_to_the_bits_of_an_uninterrupted_run()
    {
        string[] common = ["train", "--dataset", "circles", "--method", "es", "--generations", "6", "--pairs", "4", "--threads", "2", "--no-ceiling"];
        (int exit, _, string errors) = Run([.. common, "--out", Path.Combine(Folder, "straight")]);
        Assert.True(exit == 0, errors);
        string partial = Path.Combine(Folder, "partial");
        (exit, _, errors) = Run([.. common, "--out", partial, "--time-limit", "0"]);
        Assert.True(exit == 0, errors);
        string checkpoint = Path.Combine(partial, "es.safetensors");
        Assert.Equal(1, SafetensorsCheckpoint.Read(checkpoint).Step);

        // Another dataset cannot continue it.
        (exit, _, errors) = Run("train", "--method", "es", "--resume", checkpoint, "--dataset", "xor");
        Assert.Equal(2, exit);
        Assert.Contains($"--dataset xor: '{checkpoint}' was trained on circles, and a resumed run continues on its own data; drop --dataset.", errors);

        (exit, string output, errors) = Run("train", "--method", "es", "--resume", checkpoint, "--no-ceiling");
        Assert.True(exit == 0, errors);
        Assert.Contains("on circles", output);
        Assert.Equal(
            EvolutionTestData.Hex(SafetensorsCheckpoint.Read(Path.Combine(Folder, "straight", "es.safetensors")).Parameters.Values),
            EvolutionTestData.Hex(SafetensorsCheckpoint.Read(checkpoint).Parameters.Values));
    }

    [Fact]
    public void Reproduce_on_xor_runs_the_whole_pipeline_and_es_passes_the_ceiling()
    {
        (int exit, string output, string errors) = CliRunner.Run([(c, e) => ReproduceCommand.Create(c, e)], "reproduce", "--dataset", "xor", "--quick", "--threads", "2", "--out", Folder);
        Assert.True(exit == 0, errors);
        Assert.Contains("ES from a random start passed the linear ceiling", output);
        string table = File.ReadAllText(Path.Combine(Folder, "table.md"));
        Assert.StartsWith("# cpulinear reproduce --quick --dataset xor\n", table.ReplaceLineEndings("\n"));
        double ceiling = Percent(Regex.Match(table, @"\| best linear classifier [^|]*\| — \| [\d.]+% \| ([\d.]+)% \|").Groups[1].Value + "%");
        double es = Percent(Regex.Match(table, @"\| ES, random start [^|]*\| — \| [\d.]+% \| ([\d.]+)% \|").Groups[1].Value + "%");
        Assert.True(es > ceiling + 0.3, $"ES {es:P2}, ceiling {ceiling:P2}");
        Assert.Equal("xor", SafetensorsCheckpoint.Read(Path.Combine(Folder, "checkpoints", "es-random-start.safetensors")).Extra[CheckpointNames.DatasetKey]);
        Assert.Equal("xor", SafetensorsCheckpoint.Read(Path.Combine(Folder, "checkpoints", "bp-straight-through.safetensors")).Extra[CheckpointNames.DatasetKey]);
    }

    [Fact]
    public void An_unknown_dataset_or_a_bad_shape_is_a_usage_error_naming_what_is_allowed()
    {
        const string known = "--dataset must be mnist, fashion-mnist, xor, circles or parityN (N = 2..20); got 'cifar10'.";
        foreach (string[] args in new[]
        {
            new[] { "train", "--method", "bp", "--dataset", "cifar10" },
            ["train", "--method", "es", "--dataset", "cifar10"],
            ["evaluate", Path.Combine(Folder, "none.safetensors"), "--dataset", "cifar10"],
            ["reproduce", "--dataset", "cifar10", "--out", Path.Combine(Folder, "r")],
            ["sweep", "--dataset", "cifar10", "--out", Path.Combine(Folder, "s")],
        })
        {
            (int exit, string output, string errors) = Run(args);
            Assert.Equal((2, $"error: {known}"), (exit, errors.Trim()));
            Assert.Equal("", output);
        }

        Assert.False(Directory.Exists(Folder), "nothing may be written before the options are checked");
        (int code, _, string message) = Run("train", "--method", "bp", "--dataset", "xor", "--hidden", "16,0");
        Assert.Equal((2, "error: --hidden takes widths in 1..65536, comma-separated (e.g. 512,512); '0' in '16,0' is not one."), (code, message.Trim()));
        (code, _, message) = Run("train", "--method", "bp", "--dataset", "parity21");
        Assert.Equal(2, code);
        Assert.Contains("got 'parity21'", message);
        (code, _, message) = Run("train", "--method", "es", "--scale-exponent", "127");
        Assert.Equal((2, "error: --scale-exponent must be in 1..126 (s = 2^S and 1/s are normal floats); got 127."), (code, message.Trim()));
    }

    [GeneratedRegex(@"linear ceiling of \S+ \(softmax regression trained to convergence: \d+ epochs, \d+ s\): train [\d.]+% test ([\d.]+%)")]
    private static partial Regex CeilingTest();

    private static double Percent(string text) => double.Parse(text.TrimEnd('%'), CultureInfo.InvariantCulture) / 100;

    private static (int Exit, string Output, string Errors) Run(params string[] args) => CliRunner.Run(
        [(c, e) => TrainCommand.Create(c, e), (c, e) => EvaluateCommand.Create(c, e), (c, e) => ReproduceCommand.Create(c, e), (c, e) => SweepCommand.Create(c, e)], args);
}
