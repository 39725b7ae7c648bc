using CpuLinear.Checkpoints;
using CpuLinear.Cli.Commands;

namespace CpuLinear.Tests.Training;

public sealed class TrainCommandTests() : TemporaryFolderTest("cpulinear-train-")
{
    [Fact]
    public void Train_writes_a_checkpoint_that_evaluate_reads_back()
    {
        (int exit, string output, string errors) = Run("train", "--method", "bp", "--gradient", "ftz-aware", "--epochs", "1", "--limit", "1000", "--out", Folder, "--threads", "1");
        Assert.True(exit == 0, errors);
        Assert.Contains("epoch 1: lr 0.001, train", output);
        string path = Path.Combine(Folder, "bp-ftz-aware.safetensors");
        Checkpoint checkpoint = SafetensorsCheckpoint.Read(path);
        Assert.Equal(("bp", "ftz-aware", 8L), (checkpoint.Trainer, checkpoint.Gradient, checkpoint.Step));
        Assert.NotNull(checkpoint.AdamSecondMoment);

        (exit, output, errors) = Run("evaluate", path, "--limit", "1500");
        Assert.True(exit == 0, errors);
        Assert.Contains("run under ftz-elementwise", output);
        Assert.Contains("│ test  │ 1500     │", output);

        // --dead-zones adds one row per layer: units, weight RMS and the share of outputs the flush silenced.
        (exit, output, errors) = Run("evaluate", path, "--limit", "1500", "--dead-zones");
        Assert.True(exit == 0, errors);
        Assert.Contains("dead zones on 1500 test examples (ftz-elementwise)", output);
        Assert.Matches(@"│ 0\s+│ 512\s+│ 0\.\d{4}\s+│ \d+\.\d %\s+│ \d+\s+│ \d+\s+│", output);
        Assert.Matches(@"│ 2\s+│ 10\s+│ 0\.\d{4}\s+│ \d+\.\d %", output);
    }

    [Fact]
    public void Bad_arguments_and_bad_files_are_one_line_errors()
    {
        (int exit, _, string errors) = Run("train", "--method", "ga");
        Assert.Equal((1, "error: --method must be bp (backprop) or es (evolution strategies); got 'ga'."), (exit, errors.Trim()));

        (exit, _, errors) = Run("train", "--method", "bp", "--gradient", "exact");
        Assert.Equal(1, exit);
        Assert.Contains("--gradient must be straight-through, pure-linear, ftz-aware or all; got 'exact'", errors);

        Directory.CreateDirectory(Folder);
        string junk = Path.Combine(Folder, "junk.safetensors");
        File.WriteAllBytes(junk, [1, 2, 3]);
        (exit, _, errors) = Run("evaluate", junk);
        Assert.Equal(1, exit);
        Assert.StartsWith($"error: Invalid checkpoint '{junk}' at byte offset 0", errors);
        Assert.DoesNotContain("   at ", errors);

        (exit, _, errors) = Run("evaluate", junk, "--semantics", "fast");
        Assert.Equal(1, exit);
        Assert.Contains("--semantics must be ieee, ftz-elementwise or ftz-everywhere; got 'fast'", errors);
    }

    private static (int Exit, string Output, string Errors) Run(params string[] args) =>
        CliRunner.Run([(c, e) => TrainCommand.Create(c, e), (c, e) => EvaluateCommand.Create(c, e)], args);
}
