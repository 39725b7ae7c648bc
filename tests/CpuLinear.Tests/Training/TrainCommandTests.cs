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
        Assert.DoesNotContain("no checksum to verify", errors);

        // The same file as written before checkpoints carried a checksum (the key blanked out; JSON allows the
        // spaces): it still evaluates, and the command says there was nothing to verify.
        string old = Path.Combine(Folder, "old.safetensors");
        string text = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(path));
        string key = System.Text.RegularExpressions.Regex.Match(text, ",\"data_sha256\":\"[0-9a-f]{64}\"").Value;
        Assert.NotEmpty(key);
        File.WriteAllBytes(old, System.Text.Encoding.Latin1.GetBytes(text.Replace(key, new string(' ', key.Length), StringComparison.Ordinal)));
        (exit, output, errors) = Run("evaluate", old, "--limit", "1500");
        Assert.True(exit == 0, errors);
        Assert.Contains($"warning: '{old}' has no data_sha256 in its metadata", errors);
        Assert.Contains("no checksum to verify", errors);
        Assert.Contains("│ test  │ 1500     │", output);

        // One flipped bit in the data: rejected, naming the file.
        byte[] corrupt = File.ReadAllBytes(path);
        corrupt[^5] ^= 0x10;
        string flipped = Path.Combine(Folder, "flipped.safetensors");
        File.WriteAllBytes(flipped, corrupt);
        (exit, _, errors) = Run("evaluate", flipped, "--limit", "1500");
        Assert.Equal(1, exit);
        Assert.StartsWith($"error: Invalid checkpoint '{flipped}' at byte offset", errors);
        Assert.Contains("does not match its SHA-256 checksum", errors);
    }

    [Fact]
    public void Bad_arguments_and_bad_files_are_one_line_errors()
    {
        // Usage errors (a bad value, an unknown option, a value that does not parse) exit 2; failures at run time 1.
        (int exit, _, string errors) = Run("train", "--method", "ga");
        Assert.Equal((2, "error: --method must be bp (backprop) or es (evolution strategies); got 'ga'."), (exit, errors.Trim()));

        (exit, _, errors) = Run("train", "--method", "bp", "--gradient", "exact");
        Assert.Equal(2, exit);
        Assert.Contains("--gradient must be straight-through, pure-linear, ftz-aware or all; got 'exact'", errors);

        Directory.CreateDirectory(Folder);
        string junk = Path.Combine(Folder, "junk.safetensors");
        File.WriteAllBytes(junk, [1, 2, 3]);
        (exit, _, errors) = Run("evaluate", junk);
        Assert.Equal(1, exit);
        Assert.StartsWith($"error: Invalid checkpoint '{junk}' at byte offset 0", errors);
        Assert.DoesNotContain("   at ", errors);

        (exit, _, errors) = Run("evaluate", junk, "--semantics", "fast");
        Assert.Equal(2, exit);
        Assert.Contains("--semantics must be ieee, ftz-elementwise or ftz-everywhere; got 'fast'", errors);

        (exit, _, _) = Run("train", "--method", "bp", "--no-such-option");
        Assert.Equal(2, exit);
        (exit, _, _) = Run("train", "--method", "bp", "--epochs", "many");
        Assert.Equal(2, exit);
        (exit, _, _) = Run("evaluate");
        Assert.Equal(2, exit);
    }

    [Fact]
    public void A_second_bp_run_into_the_same_folder_is_refused_and_leaves_the_first_untouched()
    {
        string[] args = ["train", "--method", "bp", "--gradient", "pure-linear", "--epochs", "1", "--limit", "300", "--out", Folder, "--threads", "1"];
        (int exit, _, string errors) = Run(args);
        Assert.True(exit == 0, errors);
        string checkpoint = Path.Combine(Folder, "bp-pure-linear.safetensors");
        string before = FolderHashes.Of(Folder);

        (exit, string output, errors) = Run([.. args, "--seed", "2"]);
        Assert.Equal(1, exit);
        Assert.Equal($"error: '{Folder}' already holds a run ('{checkpoint}'); refusing to replace it. Pass --overwrite to replace it, or choose another --out.", errors.Trim());
        Assert.DoesNotContain("epoch", output);
        Assert.Equal(before, FolderHashes.Of(Folder));

        // Another gradient's checkpoint is another run: it may share the folder.
        (exit, _, errors) = Run("train", "--method", "bp", "--gradient", "ftz-aware", "--epochs", "1", "--limit", "300", "--out", Folder, "--threads", "1");
        Assert.True(exit == 0, errors);

        (exit, _, errors) = Run([.. args, "--seed", "2", "--overwrite"]);
        Assert.True(exit == 0, errors);
        Assert.Contains($"--overwrite: deleting the earlier run's '{checkpoint}'", errors);
        Assert.Equal(2UL, SafetensorsCheckpoint.Read(checkpoint).Seed);
    }

    private static (int Exit, string Output, string Errors) Run(params string[] args) =>
        CliRunner.Run([(c, e) => TrainCommand.Create(c, e), (c, e) => EvaluateCommand.Create(c, e)], args);
}
