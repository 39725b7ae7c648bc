using System.Globalization;
using CpuLinear.Checkpoints;
using CpuLinear.Cli.Commands;
using CpuLinear.Cli.Evolution;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Training;
using SkiaSharp;

namespace CpuLinear.Tests.Evolution;

public sealed class EvolutionCliTests() : TemporaryFolderTest("cpulinear-es-cli-")
{
    [Fact]
    public void Train_es_stopped_early_and_resumed_ends_with_the_bits_of_an_uninterrupted_run()
    {
        string[] common = ["train", "--method", "es", "--generations", "4", "--pairs", "4", "--es-batch", "32", "--threads", "2", "--limit", "500"];
        (int exit, string output, string errors) = Run([.. common, "--out", Path.Combine(Folder, "straight")]);
        Assert.True(exit == 0, errors);
        Assert.Contains("es (literal) after generation 4: ftz-elementwise train", output);
        Checkpoint straight = SafetensorsCheckpoint.Read(Path.Combine(Folder, "straight", "es.safetensors"));
        Assert.Equal(4, File.ReadAllLines(Path.Combine(Folder, "straight", "es.metrics.jsonl")).Length);

        // A zero time limit stops after the first generation, with a checkpoint, like Ctrl-C does.
        string partial = Path.Combine(Folder, "partial");
        (exit, _, errors) = Run([.. common, "--out", partial, "--time-limit", "0", "--metrics", Path.Combine(partial, "m.csv")]);
        Assert.True(exit == 0, errors);
        Checkpoint stopped = SafetensorsCheckpoint.Read(Path.Combine(partial, "es.safetensors"));
        Assert.Equal(1, stopped.Step);
        double stoppedAt = EvolutionCheckpoint.ElapsedSecondsOf(stopped);
        Assert.True(stoppedAt > 0, "the checkpoint should carry the run's wall time");
        (exit, _, errors) = Run("train", "--method", "es", "--resume", Path.Combine(partial, "es.safetensors"), "--metrics", Path.Combine(partial, "m.csv"), "--limit", "500");
        Assert.True(exit == 0, errors);

        Checkpoint resumed = SafetensorsCheckpoint.Read(Path.Combine(partial, "es.safetensors"));
        Assert.Equal(4, resumed.Step);
        Assert.Equal(EvolutionTestData.Hex(straight.Parameters.Values), EvolutionTestData.Hex(resumed.Parameters.Values));
        string[] csv = File.ReadAllLines(Path.Combine(partial, "m.csv"));
        Assert.StartsWith("generation,", csv[0]);
        Assert.Equal(["0", "1", "2", "3"], csv.Skip(1).Select(line => line.Split(',')[0]));
        // The resumed session continues the run's clock instead of starting again from zero.
        double[] elapsed = [.. csv.Skip(1).Select(line => double.Parse(line.Split(',')[1], CultureInfo.InvariantCulture))];
        Assert.True(elapsed[1] > stoppedAt, $"generation 1 at {elapsed[1]} s, but the run had already taken {stoppedAt} s");
        Assert.True(elapsed.Zip(elapsed.Skip(1)).All(p => p.Second >= p.First), string.Join(", ", elapsed));
    }

    [Fact]
    public void A_second_es_run_into_the_same_folder_is_refused_and_leaves_the_first_untouched()
    {
        string folder = Path.Combine(Folder, "run");
        string[] Args(int generations, string @out) =>
            ["train", "--method", "es", "--generations", generations.ToString(CultureInfo.InvariantCulture), "--pairs", "2", "--es-batch", "16", "--threads", "2", "--limit", "200", "--out", @out];
        (int exit, _, string errors) = Run(Args(2, folder));
        Assert.True(exit == 0, errors);
        string checkpoint = Path.Combine(folder, "es.safetensors"), metrics = Path.Combine(folder, "es.metrics.jsonl");
        string before = FolderHashes.Of(folder);
        Assert.Contains("es.metrics.jsonl", before);

        // Forgetting --resume (here with other settings, as a new run would have) changes nothing on disk.
        (exit, string output, errors) = Run(Args(3, folder));
        Assert.Equal(1, exit);
        Assert.Equal(
            $"error: '{folder}' already holds a run ('{checkpoint}', '{metrics}'); refusing to replace it. " +
            $"Pass --resume {checkpoint} to continue it, --overwrite to replace it, or choose another --out.", errors.Trim());
        Assert.DoesNotContain("gen ", output);
        Assert.Equal(before, FolderHashes.Of(folder));

        // A metrics file of its own (--metrics) is guarded too, even with no checkpoint beside it.
        string elsewhere = Path.Combine(Folder, "other");
        (exit, _, errors) = Run([.. Args(2, elsewhere), "--metrics", metrics]);
        Assert.Equal(1, exit);
        Assert.Contains($"('{metrics}')", errors);
        Assert.Equal(before, FolderHashes.Of(folder));

        (exit, _, errors) = Run("train", "--method", "es", "--resume", checkpoint, "--overwrite");
        Assert.Equal(2, exit); // a usage error: continue or replace, not both
        Assert.Contains("--resume continues a run and --overwrite replaces one", errors);
        Assert.Equal(before, FolderHashes.Of(folder));

        // --overwrite replaces the run cleanly: the metrics start again instead of being appended to.
        (exit, _, errors) = Run([.. Args(3, folder), "--overwrite"]);
        Assert.True(exit == 0, errors);
        Assert.Contains("--overwrite: deleting the earlier run's", errors);
        Assert.Equal([0L, 1L, 2L], File.ReadAllLines(metrics).Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("generation").GetInt64()));
        Assert.Equal(3, SafetensorsCheckpoint.Read(checkpoint).Step);
    }

    [Fact]
    public void Train_es_resumed_on_the_ilgpu_cpu_backend_ends_with_the_bits_of_the_cpu_engine()
    {
        string[] common = ["train", "--method", "es", "--generations", "2", "--pairs", "2", "--es-batch", "16", "--threads", "2", "--limit", "200"];
        (int exit, string output, string errors) = Run([.. common, "--out", Path.Combine(Folder, "engine")]);
        Assert.True(exit == 0, errors);
        Assert.Contains("population on the CPU engine", output);
        // The first generation on the CPU engine (a zero time limit stops after it), the second resumed with the whole
        // generation on the device: the device continues the engine's θ and Adam state with the engine's bits.
        string ilgpuFolder = Path.Combine(Folder, "ilgpu"), ilgpuCheckpoint = Path.Combine(ilgpuFolder, "es.safetensors");
        (exit, _, errors) = Run([.. common, "--out", ilgpuFolder, "--time-limit", "0"]);
        Assert.True(exit == 0, errors);
        Assert.Equal(1, SafetensorsCheckpoint.Read(ilgpuCheckpoint).Step);
        (exit, output, errors) = Run("train", "--method", "es", "--resume", ilgpuCheckpoint, "--backend", "ilgpu-cpu", "--threads", "2", "--limit", "200");
        Assert.True(exit == 0, errors);
        // The run itself reports where it evaluates, so an option that was parsed but not passed on fails here.
        Assert.Contains("population on CPU accelerator", output);
        Assert.Contains("the whole generation on the device", output);

        Checkpoint engine = SafetensorsCheckpoint.Read(Path.Combine(Folder, "engine", "es.safetensors"));
        Checkpoint ilgpu = SafetensorsCheckpoint.Read(ilgpuCheckpoint);
        Assert.Equal(2, ilgpu.Step);
        Assert.Equal(EvolutionTestData.Hex(engine.Parameters.Values), EvolutionTestData.Hex(ilgpu.Parameters.Values));
        Assert.Equal(EvolutionTestData.Hex(engine.AdamFirstMoment!), EvolutionTestData.Hex(ilgpu.AdamFirstMoment!));
        Assert.Equal(EvolutionTestData.Hex(engine.AdamSecondMoment!), EvolutionTestData.Hex(ilgpu.AdamSecondMoment!));
        Assert.Equal(engine.Extra["es_adam_step"], ilgpu.Extra["es_adam_step"]);
    }

    [Fact]
    public void Train_es_with_an_unknown_backend_fails_naming_the_choices()
    {
        (int exit, _, string errors) = Run("train", "--method", "es", "--generations", "1", "--backend", "tpu", "--out", Path.Combine(Folder, "tpu"));
        Assert.NotEqual(0, exit);
        Assert.Contains("cpu, gpu or ilgpu-cpu", errors);
        Assert.False(Directory.Exists(Path.Combine(Folder, "tpu")));
    }

    [Fact]
    public void Train_es_with_activity_members_resumes_to_the_bits_of_an_uninterrupted_run_and_refuses_other_engines()
    {
        string[] common = ["train", "--method", "es", "--hidden", "32,32", "--activity-pairs", "3", "--activity-units", "live", "--generations", "6",
            "--es-batch", "16", "--sigma", "0.05", "--sigma-final", "0.05", "--threads", "2", "--limit", "300", "--no-ceiling"];
        (int exit, string output, string errors) = Run([.. common, "--out", Path.Combine(Folder, "straight")]);
        Assert.True(exit == 0, errors);
        Assert.Contains("es-activity (literal) after generation 6: ftz-elementwise train", output);
        Checkpoint straight = SafetensorsCheckpoint.Read(Path.Combine(Folder, "straight", "es-activity.safetensors"));
        Assert.Equal(("3", "live"), (straight.Extra["es_activity_pairs"], straight.Extra["es_activity_units"]));

        string partial = Path.Combine(Folder, "partial");
        (exit, _, errors) = Run([.. common, "--out", partial, "--time-limit", "0"]);
        Assert.True(exit == 0, errors);
        Assert.Equal(1, SafetensorsCheckpoint.Read(Path.Combine(partial, "es-activity.safetensors")).Step);
        (exit, _, errors) = Run("train", "--method", "es", "--resume", Path.Combine(partial, "es-activity.safetensors"), "--limit", "300", "--no-ceiling");
        Assert.True(exit == 0, errors);
        Checkpoint resumed = SafetensorsCheckpoint.Read(Path.Combine(partial, "es-activity.safetensors"));
        Assert.Equal(6, resumed.Step);
        Assert.Equal(EvolutionTestData.Hex(straight.Parameters.Values), EvolutionTestData.Hex(resumed.Parameters.Values));

        (exit, _, errors) = Run([.. common, "--out", Path.Combine(Folder, "device"), "--backend", "ilgpu-cpu"]);
        Assert.Equal(2, exit);
        Assert.Contains("CPU engine only", errors);
        (exit, _, errors) = Run([.. common, "--out", Path.Combine(Folder, "mixed"), "--later-layer-pairs", "4"]);
        Assert.Equal(2, exit);
        Assert.Contains("later-layer pairs (4)", errors);
        Assert.False(Directory.Exists(Path.Combine(Folder, "mixed")));
    }

    [Fact]
    public void Plots_are_png_images_with_content()
    {
        var metrics = Enumerable.Range(0, 30)
            .Select(g => new GenerationMetrics(g, g * 0.5, 0.03f, 0.01f, 2.5 - (g * 0.05), 0.1, -2.5, g % 5 == 0 ? 0.1 + (g * 0.02) : null, g % 5 == 0 ? 0.1 + (g * 0.02) : null))
            .ToList();
        string loss = Path.Combine(Folder, "loss.png"), accuracy = Path.Combine(Folder, "accuracy.png"), activation = Path.Combine(Folder, "activation.png");
        RunPlots.Loss(loss, [("run", metrics)]);
        RunPlots.Accuracy(accuracy, [("run", metrics)], 0.92);
        RunPlots.EffectiveActivation(activation, NetworkArchitecture.Default);
        foreach (string path in new[] { loss, accuracy, activation })
        {
            using SKBitmap image = SKBitmap.Decode(path);
            Assert.Equal((900, 560), (image.Width, image.Height));
            // Not a blank canvas: more than a handful of distinct colours (axes, text, lines).
            Assert.True(image.Pixels.Distinct().Count() > 20, $"{path} looks blank.");
        }
    }

    private static (int Exit, string Output, string Errors) Run(params string[] args) =>
        CliRunner.Run([(c, e) => TrainCommand.Create(c, e)], args);
}
