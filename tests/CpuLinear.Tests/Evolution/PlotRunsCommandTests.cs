using CpuLinear.Cli.Commands;
using CpuLinear.Cli.Evolution;
using SkiaSharp;

namespace CpuLinear.Tests.Evolution;

public sealed class PlotRunsCommandTests() : TemporaryFolderTest("cpulinear-plot-runs-")
{
    private const string Legacy = "generation,elapsed_s,sigma,lr,batch_loss,batch_accuracy,mean_fitness,train_accuracy,test_accuracy";

    [Fact]
    public void Plots_csv_and_json_lines_runs_on_one_figure_and_prints_a_summary()
    {
        string a = Log("a.csv", pairs: 4, batch: 32), b = Log("b.metrics.jsonl", pairs: 8, batch: 16, accuracyStep: 0.03);
        string png = Path.Combine(Folder, "out", "runs.png");
        (int exit, string output, string errors) = Run("plot-runs", png, a, b);
        Assert.True(exit == 0, errors);
        AssertPng(png);
        // Last test accuracy at generation 9 (the 10th): a = 0.1 + 9·0.02, b = 0.1 + 9·0.03; 10·2·pairs·batch evaluations.
        Assert.Matches(@"│ a\s+│ \S+a\.csv\s+│ 28\.00 %\s+│ 10\s+│ 2,560\s+│ 4\.5\s+│", output);
        Assert.Matches(@"│ b\s+│ \S+b\.metrics\.jsonl\s+│ 37\.00 %\s+│ 10\s+│ 2,560\s+│ 4\.5\s+│", output);
        Assert.Contains("2 run(s) plotted", output);

        // Other axes and labels; an existing figure is refused unless --overwrite.
        (exit, _, errors) = Run("plot-runs", png, a, b, "--x", "seconds", "--labels", "low rank,full");
        Assert.Equal(CommandErrors.Failure, exit);
        Assert.Contains($"'{png}' already exists (OUT); refusing to replace it. Pass --overwrite", errors);
        (exit, output, errors) = Run("plot-runs", png, a, b, "--x", "generations", "--labels", "low rank,full", "--overwrite");
        Assert.True(exit == 0, errors);
        Assert.Contains("│ low rank │", output);
        AssertPng(png);
        Assert.Empty(Directory.GetFiles(Path.Combine(Folder, "out"), "*.tmp"));
    }

    [Fact]
    public void A_log_without_sample_evaluations_is_skipped_or_counted_from_the_hints()
    {
        string fresh = Log("new.csv", pairs: 4, batch: 32);
        string old = Path.Combine(Folder, "old.csv");
        File.WriteAllLines(old, [Legacy, "0,0.5,0.02,0.003,2.3,0.1,-2.3,0.1,0.1", "1,1.0,0.02,0.003,2.2,0.1,-2.2,,", "2,1.5,0.02,0.003,2.1,0.2,-2.1,0.2,0.25"]);
        string png = Path.Combine(Folder, "runs.png");

        (int exit, string output, string errors) = Run("plot-runs", png, fresh, old);
        Assert.True(exit == 0, errors);
        Assert.Contains($"warning: skipping '{old}': it has no sample_evaluations column", errors);
        Assert.Contains("1 run(s) plotted", output);
        Assert.Matches(@"│ old\s+│ \S+old\.csv\s+│ 25\.00 %\s+│ 3\s+│ -\s+│ 1\.5\s+│", output);

        // Against generations it needs nothing more; with --pairs and --batch its evaluations are counted.
        (exit, output, errors) = Run("plot-runs", png, fresh, old, "--x", "generations", "--overwrite");
        Assert.True(exit == 0, errors);
        Assert.Contains("2 run(s) plotted", output);
        (exit, output, errors) = Run("plot-runs", png, old, "--pairs", "4", "--batch", "32", "--overwrite");
        Assert.True(exit == 0, errors);
        Assert.Contains("counted as (generation + 1) · 2 · 4 pairs · 32 rows", errors);
        Assert.Matches(@"│ old\s+│ \S+old\.csv\s+│ 25\.00 %\s+│ 3\s+│ 768\s+│ 1\.5\s+│", output);

        // Nothing left to plot at all: a failure, and no figure.
        File.Delete(png);
        (exit, _, errors) = Run("plot-runs", png, old);
        Assert.Equal(CommandErrors.Failure, exit);
        Assert.Contains("None of the 1 run(s) has anything to plot against sample-evaluations", errors);
        Assert.False(File.Exists(png));
    }

    [Fact]
    public void Bad_input_names_the_file_and_line_and_exits_non_zero()
    {
        string good = Log("good.csv", pairs: 2, batch: 8);
        string png = Path.Combine(Folder, "runs.png");
        string missing = Path.Combine(Folder, "missing.csv");
        (int exit, _, string errors) = Run("plot-runs", png, good, missing);
        Assert.Equal(CommandErrors.Failure, exit);
        Assert.Equal($"error: Metrics file '{missing}' does not exist.{Environment.NewLine}", errors);

        string noColumn = Path.Combine(Folder, "no-column.csv");
        File.WriteAllLines(noColumn, ["generation,elapsed_s,sigma", "0,0.5,0.02"]);
        (exit, _, errors) = Run("plot-runs", png, noColumn);
        Assert.Equal(CommandErrors.Failure, exit);
        Assert.Contains($"error: Invalid metrics file '{noColumn}', line 1: the header has no 'test_accuracy' column", errors);

        string text = Path.Combine(Folder, "text.csv");
        File.WriteAllLines(text, [MetricsLog.CsvHeader, "0,0.5,0.02,0.003,2.3,0.1,-2.3,0.1,0.1,16", "1,soon,0.02,0.003,2.2,0.1,-2.2,,,32"]);
        (exit, _, errors) = Run("plot-runs", png, text);
        Assert.Equal(CommandErrors.Failure, exit);
        Assert.Contains($"error: Invalid metrics file '{text}', line 3: column 'elapsed_s' holds 'soon', not a number", errors);

        string ragged = Path.Combine(Folder, "ragged.csv");
        File.WriteAllLines(ragged, [MetricsLog.CsvHeader, "0,0.5,0.02"]);
        (exit, _, errors) = Run("plot-runs", png, ragged);
        Assert.Equal(CommandErrors.Failure, exit);
        Assert.Contains($"'{ragged}', line 2: 3 cells where the header has 10 columns", errors);

        string json = Path.Combine(Folder, "bad.jsonl");
        File.WriteAllLines(json, ["{\"generation\":0,\"elapsed_s\":0.5,\"test_accuracy\":0.1}", "{\"generation\":1,\"elapsed_s\":1.0,\"test_accuracy\":\"high\"}"]);
        (exit, _, errors) = Run("plot-runs", png, json, "--x", "seconds");
        Assert.Equal(CommandErrors.Failure, exit);
        Assert.Contains($"'{json}', line 2: 'test_accuracy' is \"high\", not a number", errors);
        Assert.False(File.Exists(png));

        // Usage errors exit 2.
        (exit, _, errors) = Run("plot-runs", png, good, "--x", "minutes");
        Assert.Equal(CommandErrors.Usage, exit);
        Assert.Contains("--x must be sample-evaluations, generations or seconds", errors);
        (exit, _, errors) = Run("plot-runs", png, good, "--labels", "a,b");
        Assert.Equal(CommandErrors.Usage, exit);
        Assert.Contains("--labels names 2 run(s) for 1 file(s)", errors);
        (exit, _, errors) = Run("plot-runs", png, good, "--pairs", "4");
        Assert.Equal(CommandErrors.Usage, exit);
        (exit, _, _) = Run("plot-runs", png);
        Assert.Equal(CommandErrors.Usage, exit);
    }

    [Fact]
    public void Metrics_logs_end_with_sample_evaluations_and_an_old_csv_keeps_its_layout()
    {
        Directory.CreateDirectory(Folder);
        string csv = Path.Combine(Folder, "m.csv"), jsonl = Path.Combine(Folder, "m.jsonl"), old = Path.Combine(Folder, "old.csv");
        File.WriteAllLines(old, [Legacy, "0,0.5,0.02,0.003,2.3,0.1,-2.3,,"]);
        var row = new GenerationMetrics(1, 1.0, 0.02f, 0.003f, 2.2, 0.1, -2.2, 0.15, 0.125, 512);
        foreach (string path in new[] { csv, jsonl, old })
        {
            using var log = new MetricsLog(path);
            log.Write(row);
        }

        Assert.Equal([MetricsLog.CsvHeader, "1,1.000,0.02,0.003,2.2,0.1,-2.2,0.15,0.125,512"], File.ReadAllLines(csv));
        Assert.EndsWith(",\"test_accuracy\":0.125,\"sample_evaluations\":512}", File.ReadAllText(jsonl).TrimEnd());
        // Appending to a log begun before the column existed continues its layout, so every row fits the header.
        Assert.Equal([Legacy, "0,0.5,0.02,0.003,2.3,0.1,-2.3,,", "1,1.000,0.02,0.003,2.2,0.1,-2.2,0.15,0.125"], File.ReadAllLines(old));

        Assert.Equal([new RunPoint(1, 1.0, 0.125, 512)], MetricsFile.Read(csv));
        Assert.Equal([new RunPoint(1, 1.0, 0.125, 512)], MetricsFile.Read(jsonl));
        Assert.Equal([new RunPoint(0, 0.5, null, null), new RunPoint(1, 1.0, 0.125, null)], MetricsFile.Read(old));
    }

    [Fact]
    public void An_es_run_logs_its_cumulative_sample_evaluations()
    {
        string folder = Path.Combine(Folder, "run"), csv = Path.Combine(folder, "m.csv");
        (int exit, _, string errors) = CliRunner.Run(
            [(c, e) => TrainCommand.Create(c, e)],
            "train", "--method", "es", "--generations", "3", "--pairs", "3", "--es-batch", "24", "--threads", "2", "--limit", "300", "--out", folder, "--metrics", csv);
        Assert.True(exit == 0, errors);
        string[] lines = File.ReadAllLines(csv);
        Assert.Equal(MetricsLog.CsvHeader, lines[0]);
        // (generation + 1) · 2 · pairs · batch rows.
        Assert.Equal(["144", "288", "432"], lines.Skip(1).Select(l => l.Split(',')[^1]));
        Assert.Equal([144L, 288L, 432L], MetricsFile.Read(csv).Select(p => p.SampleEvaluations!.Value));
    }

    // A log as an ES run writes it: 10 generations, test accuracy every third and at the last one.
    private string Log(string name, int pairs, int batch, double accuracyStep = 0.02)
    {
        Directory.CreateDirectory(Folder);
        string path = Path.Combine(Folder, name);
        using var log = new MetricsLog(path);
        for (int g = 0; g < 10; g++)
        {
            double? accuracy = g % 3 == 0 || g == 9 ? 0.1 + (g * accuracyStep) : null;
            log.Write(new GenerationMetrics(g, (g + 1) * 0.45, 0.02f, 0.003f, 2.3 - (g * 0.05), 0.1, -2.3, accuracy, accuracy, (g + 1) * 2L * pairs * batch));
        }

        return path;
    }

    private static void AssertPng(string path)
    {
        using SKBitmap image = SKBitmap.Decode(path);
        Assert.Equal((900, 560), (image.Width, image.Height));
        Assert.True(image.Pixels.Distinct().Count() > 20, $"{path} looks blank.");
    }

    private static (int Exit, string Output, string Errors) Run(params string[] args) =>
        CliRunner.Run([(c, e) => PlotRunsCommand.Create(c, e)], args);
}
