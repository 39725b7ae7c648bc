using System.Diagnostics;
using System.Globalization;
using CpuLinear.Cli.Commands;
using CpuLinear.Experiments;
using SkiaSharp;

namespace CpuLinear.Tests.Experiments;

/// <summary>
/// <c>cpulinear sweep</c> end to end on a grid small enough for CI: every cell measured under each semantics with the
/// ceiling beside it, one table and the figures; a killed run and a partial folder both resume to the table of an
/// uninterrupted run; another grid is never mixed into a folder; bad axes are usage errors.
/// </summary>
public sealed class SweepCommandTests() : TemporaryFolderTest("cpulinear-sweep-")
{
    // 8 cells: two depths, two scale exponents, one backprop gradient and ES; about a second in all.
    private static readonly string[] Tiny =
    [
        "sweep", "--dataset", "xor", "--depth", "2,3", "--width", "6", "--scale-exponent", "118,125", "--trainer", "ftz-aware,es",
        "--epochs", "4", "--generations", "40", "--pairs", "8",
    ];

    [Fact]
    public void A_tiny_sweep_writes_one_row_per_cell_with_the_ceiling_and_the_same_table_on_any_thread_count()
    {
        string first = Path.Combine(Folder, "two-threads");
        (int exit, string output, string errors) = Run([.. Tiny, "--threads", "2", "--out", first]);
        Assert.True(exit == 0, errors);
        Assert.Contains("sweep of 8 cells on xor (1024 training and 256 test examples)", output);
        Assert.Contains("[8/8] d3-w6-s125-es: test ", output);
        Assert.Equal(8, Directory.GetFiles(Path.Combine(first, SweepFolder.CellsFolder), "*.json").Length);

        string[] csv = File.ReadAllLines(Path.Combine(first, "results.csv"));
        Assert.Equal(
            "dataset,depth,width,scale_exponent,dead_zone_edge,trainer,steps,train_ftz-elementwise,test_ftz-elementwise,train_ieee,test_ieee,train_ftz-everywhere,test_ftz-everywhere,ceiling_train,ceiling_test",
            csv[0]);
        Assert.Equal(9, csv.Length);
        // The grid's order: S outermost, then depth, then trainer; backprop steps are batches (4 epochs of 8), ES steps generations.
        Assert.Equal(["118,2,ftz-aware,32", "118,2,es,40", "118,3,ftz-aware,32", "118,3,es,40", "125,2,ftz-aware,32", "125,2,es,40", "125,3,ftz-aware,32", "125,3,es,40"],
            csv.Skip(1).Select(line => line.Split(',')).Select(f => $"{f[3]},{f[1]},{f[5]},{f[6]}"));
        // One ceiling, the one ceiling.json holds, beside every row; xor is not linearly solvable.
        SweepCeiling ceiling = new SweepFolderReader(first).Ceiling();
        Assert.All(csv.Skip(1), line => Assert.EndsWith($",{ceiling.Train.ToString("R", CultureInfo.InvariantCulture)},{ceiling.Test.ToString("R", CultureInfo.InvariantCulture)}", line));
        Assert.InRange(ceiling.Test, 0.3, 0.7);
        Assert.Contains($"linear ceiling of xor (softmax regression trained to convergence, {ceiling.Epochs} epochs)", output);

        string markdown = File.ReadAllText(Path.Combine(first, "results.md"));
        Assert.Contains("`cpulinear sweep --dataset xor --depth 2,3 --width 6 --scale-exponent 118,125 --trainer ftz-aware,es --semantics ftz-elementwise,ieee,ftz-everywhere --epochs 4 --batch 128 --lr 0.01 --generations 40 --pairs 8 --es-batch 256", markdown);
        Assert.Contains("| 3 | 6 | 125 | 2^-1 | es |", markdown);
        foreach (string figure in new[] { "accuracy-vs-depth.png", "accuracy-vs-scale.png" })
        {
            using SKBitmap image = SKBitmap.Decode(Path.Combine(first, figure));
            Assert.Equal((900, 560), (image.Width, image.Height));
            Assert.True(image.Pixels.Distinct().Count() > 20, $"{figure} looks blank.");
        }

        // Every cell's bits are the thread count's business no more than the engine's: one thread, the same table.
        string second = Path.Combine(Folder, "one-thread");
        (exit, _, errors) = Run([.. Tiny, "--threads", "1", "--out", second]);
        Assert.True(exit == 0, errors);
        Assert.Equal(File.ReadAllText(Path.Combine(first, "results.csv")), File.ReadAllText(Path.Combine(second, "results.csv")));
        Assert.Equal(markdown, File.ReadAllText(Path.Combine(second, "results.md")));
    }

    [Fact]
    public void A_partial_folder_resumes_to_the_same_table_and_another_grid_is_refused_unless_overwrite()
    {
        string whole = Path.Combine(Folder, "whole"), partial = Path.Combine(Folder, "partial");
        (int exit, _, string errors) = Run([.. Tiny, "--threads", "2", "--out", whole]);
        Assert.True(exit == 0, errors);

        // What a run killed after five cells leaves: five cell files, a half-written temporary one, no table.
        CopyFolder(whole, partial);
        string cells = Path.Combine(partial, SweepFolder.CellsFolder);
        foreach (string id in new[] { "d2-w6-s125-ftz-aware", "d3-w6-s125-ftz-aware", "d3-w6-s125-es" })
        {
            File.Delete(Path.Combine(cells, id + ".json"));
        }

        foreach (string file in new[] { "results.csv", "results.md", "accuracy-vs-depth.png", "accuracy-vs-scale.png" })
        {
            File.Delete(Path.Combine(partial, file));
        }

        string stray = Path.Combine(cells, ".d3-w6-s125-es.json.4242.0123456789abcdef.tmp");
        File.WriteAllText(stray, "{\"cell\":\"d3-w");
        (exit, string output, errors) = Run([.. Tiny, "--threads", "2", "--out", partial]);
        Assert.True(exit == 0, errors);
        Assert.Contains("5 of 8 cells finished earlier (kept); 3 to run.", output);
        Assert.Contains("[5/8] d2-w6-s125-ftz-aware:", output);
        Assert.DoesNotContain("[6/8]", output);
        Assert.False(File.Exists(stray));
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "results.csv")), File.ReadAllText(Path.Combine(partial, "results.csv")));
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "results.md")), File.ReadAllText(Path.Combine(partial, "results.md")));

        // Rerun on a finished folder: nothing runs, nothing changes but the rewritten (identical) table.
        string before = FolderHashes.Of(whole);
        (exit, output, errors) = Run([.. Tiny, "--out", whole]);
        Assert.True(exit == 0, errors);
        Assert.Contains("8 of 8 cells finished earlier (kept); 0 to run.", output);
        Assert.Equal(before, FolderHashes.Of(whole));

        // Another grid (a third depth) or other settings are not mixed in.
        (exit, output, errors) = Run([.. With(Tiny, "--depth", "2..4"), "--out", whole]);
        Assert.Equal(1, exit);
        Assert.Equal(
            $"error: '{whole}' holds another sweep (its sweep.json differs in depths); refusing to mix two grids in one table. Pass --overwrite to replace it, or choose another --out.",
            errors.Trim());
        Assert.Equal("", output);
        (exit, _, errors) = Run([.. With(With(Tiny, "--generations", "41"), "--seed", "2"), "--out", whole]);
        Assert.Equal(1, exit);
        Assert.Contains("(its sweep.json differs in seed, es)", errors);
        Assert.Equal(before, FolderHashes.Of(whole));

        (exit, output, errors) = Run([.. With(With(With(Tiny, "--depth", "2"), "--trainer", "es"), "--scale-exponent", "125"), "--out", whole, "--overwrite"]);
        Assert.True(exit == 0, errors);
        Assert.Contains($"--overwrite: deleting the earlier sweep in '{whole}'", errors);
        Assert.Equal(["d2-w6-s125-es.json"], Directory.GetFiles(Path.Combine(whole, SweepFolder.CellsFolder)).Select(Path.GetFileName));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(whole, "results.csv")).Length);
    }

    [Fact]
    public async Task A_killed_sweep_resumes_to_the_table_of_an_uninterrupted_one()
    {
        // Cells of about a second each, so the child is killed between the first cell and the last.
        string[] grid =
        [
            "sweep", "--dataset", "circles", "--depth", "2..4", "--width", "16", "--scale-exponent", "124,125", "--trainer", "es",
            "--generations", "300", "--pairs", "16", "--threads", "1",
        ];
        string killed = Path.Combine(Folder, "killed"), whole = Path.Combine(Folder, "whole");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { Path.Combine(AppContext.BaseDirectory, "CpuLinear.Cli.dll") }.Concat(grid).Concat(["--out", killed]))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        int finishedAtKill;
        using (Process process = Process.Start(start)!)
        {
            // Drained on threads of their own (see EvolutionInterruptTests): a child blocked on a full pipe never finishes a cell.
            Task<string> output = Task.Factory.StartNew(process.StandardOutput.ReadToEnd, TaskCreationOptions.LongRunning);
            Task<string> errors = Task.Factory.StartNew(process.StandardError.ReadToEnd, TaskCreationOptions.LongRunning);
            string cells = Path.Combine(killed, SweepFolder.CellsFolder);
            var deadline = Stopwatch.StartNew();
            try
            {
                while (!Directory.Exists(cells) || Directory.GetFiles(cells, "*.json").Length == 0)
                {
                    if (process.HasExited)
                    {
                        Assert.Fail($"the sweep ended before its first cell: {await errors}");
                    }

                    Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), "no cell finished within two minutes");
                    await Task.Delay(10);
                }
            }
            finally
            {
                // SIGKILL on Unix, TerminateProcess on Windows: no handler runs, whatever was in flight is lost.
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                await Task.WhenAll(output, errors);
            }

            finishedAtKill = Directory.GetFiles(cells, "*.json").Length;
        }

        Assert.InRange(finishedAtKill, 1, 5);
        Assert.False(File.Exists(Path.Combine(killed, "results.csv")));
        (int exit, string resumed, string messages) = Run([.. grid, "--out", killed]);
        Assert.True(exit == 0, messages);
        Assert.Contains($"{finishedAtKill} of 6 cells finished earlier (kept); {6 - finishedAtKill} to run.", resumed);

        (exit, _, messages) = Run([.. grid, "--out", whole]);
        Assert.True(exit == 0, messages);
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "results.csv")), File.ReadAllText(Path.Combine(killed, "results.csv")));
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "results.md")), File.ReadAllText(Path.Combine(killed, "results.md")));
    }

    [Theory]
    [InlineData("--depth", "1,2", "error: --depth takes numbers in 2..8; '1' in '1,2' is outside it.")]
    [InlineData("--depth", "2,3,2", "error: sweep: The depth axis of a sweep lists a value twice (2,3,2).")]
    [InlineData("--depth", "4..2", "error: --depth takes numbers in 2..8; '4..2' in '4..2' is outside it.")]
    [InlineData("--width", "8,x", "error: --width takes numbers in 1..65536, comma-separated or as a range a..b; 'x' in '8,x' is neither.")]
    [InlineData("--scale-exponent", "127", "error: --scale-exponent takes numbers in 1..126; '127' in '127' is outside it.")]
    [InlineData("--trainer", "es,sgd", "error: --trainer takes straight-through, pure-linear, ftz-aware, es, comma-separated; 'sgd' in 'es,sgd' is none of them.")]
    [InlineData("--semantics", "fast", "error: --semantics takes ieee, ftz-elementwise, ftz-everywhere, comma-separated; 'fast' in 'fast' is none of them.")]
    [InlineData("--limit", "0", "error: --limit must be at least 1; got 0.")]
    [InlineData("--sigma", "-1", "error: --sigma must be a positive number; got -1.")]
    public void A_bad_axis_or_setting_is_a_usage_error_before_anything_is_written(string option, string value, string message)
    {
        (int exit, string output, string errors) = Run("sweep", option, value, "--out", Folder);
        Assert.Equal((2, message), (exit, errors.Trim()));
        Assert.Equal("", output);
        Assert.False(Directory.Exists(Folder));
    }

    // The arguments with one option's value replaced (or added): an option given twice is a parse error.
    private static string[] With(string[] args, string option, string value)
    {
        int at = Array.IndexOf(args, option);
        return at < 0 ? [.. args, option, value] : [.. args[..(at + 1)], value, .. args[(at + 2)..]];
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static (int Exit, string Output, string Errors) Run(params string[] args) =>
        CliRunner.Run([(c, e) => SweepCommand.Create(c, e)], args);

    // The folder's ceiling as the sweep itself reads it back.
    private sealed class SweepFolderReader(string folder)
    {
        public SweepCeiling Ceiling()
        {
            using System.Text.Json.JsonDocument json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, SweepFolder.CeilingFile)));
            System.Text.Json.JsonElement root = json.RootElement;
            return new SweepCeiling(root.GetProperty("train").GetDouble(), root.GetProperty("test").GetDouble(), root.GetProperty("epochs").GetInt32(), root.GetProperty("converged").GetBoolean());
        }
    }
}
