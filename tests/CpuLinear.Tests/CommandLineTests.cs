using System.Diagnostics;
using System.Text;
using CpuLinear.Cli.Commands;
using Spectre.Console;

namespace CpuLinear.Tests;

/// <summary>
/// The <c>cpulinear</c> program as a shell sees it: exit codes (2 for usage errors, 1 for failures at run time),
/// errors that say what could not be done and why, and tables that stay whole when output is not a terminal.
/// </summary>
public sealed class CommandLineTests() : TemporaryFolderTest("cpulinear-command-line-")
{
    [Fact]
    public void Usage_errors_exit_2_and_failures_at_run_time_exit_1()
    {
        (int exit, _, string errors) = RunProgram("train", "--method", "bp", "--no-such-option");
        Assert.Equal(2, exit);
        Assert.Contains("--no-such-option", errors);

        (exit, _, errors) = RunProgram("train", "--method", "ga");
        Assert.Equal(2, exit);
        Assert.Contains("error: --method must be bp (backprop) or es (evolution strategies); got 'ga'.", errors);

        (exit, _, errors) = RunProgram("reproduce", "--threads", "two");
        Assert.Equal(2, exit);

        // An option the chosen method would ignore is a usage error naming it, not a silent no-op.
        (exit, _, errors) = RunProgram("train", "--method", "es", "--epochs", "3", "--lr", "0.1");
        Assert.Equal(2, exit);
        Assert.Contains("error: --epochs, --lr do not apply to train --method es", errors);
        (exit, _, errors) = RunProgram("train", "--method", "bp", "--pairs", "8");
        Assert.Equal(2, exit);
        Assert.Contains("error: --pairs does not apply to train --method bp", errors);
        (exit, _, errors) = RunProgram("evaluate", "x.safetensors", "--threads", "0");
        Assert.Equal(2, exit);
        Assert.Contains("error: --threads must be at least 1; got 0.", errors);

        // The ES schedule and rule options check their values before anything runs.
        (exit, _, errors) = RunProgram("reproduce", "--es-minutes", "0");
        Assert.Equal(2, exit);
        Assert.Contains("error: --es-minutes must be a positive number of minutes (at most 100000); got 0.", errors);
        (exit, _, errors) = RunProgram("train", "--method", "es", "--es-optimizer", "lbfgs");
        Assert.Equal(2, exit);
        Assert.Contains("lbfgs", errors);
        (exit, _, errors) = RunProgram("train", "--method", "es", "--fitness-temperature", "-1");
        Assert.Equal(2, exit);
        Assert.Contains("The fitness temperature must be positive and finite; got -1.", errors);
        (exit, _, errors) = RunProgram("train", "--method", "es", "--init-scale", "0");
        Assert.Equal(2, exit);
        Assert.Contains("error: --init-scale must be a positive finite factor; got 0.", errors);
        (exit, _, errors) = RunProgram("train", "--method", "es", "--init", "any.safetensors", "--init-scale", "2");
        Assert.Equal(2, exit);
        Assert.Contains("error: --init-scale does not apply to train --method es --init (the checkpoint is the start); remove it.", errors);

        // An output folder that cannot be created: what, and why.
        Directory.CreateDirectory(Folder);
        string file = Path.Combine(Folder, "a-file");
        File.WriteAllText(file, "not a folder");
        string inside = Path.Combine(file, "run");
        (exit, _, errors) = RunProgram("reproduce", "--out", inside);
        Assert.Equal(1, exit);
        Assert.Equal($"error: Cannot create output folder '{inside}' (--out): '{file}' is a file, not a folder.", errors.Trim());

        if (OperatingSystem.IsLinux())
        {
            // The case the issue met: /proc takes no new folders, and the system only says "Could not find file".
            (exit, _, errors) = RunProgram("reproduce", "--out", "/proc/cpulinear-out");
            Assert.Equal(1, exit);
            Assert.StartsWith("error: Cannot create output folder '/proc/cpulinear-out' (--out): the folder '/proc' does not allow creating 'cpulinear-out' in it", errors.Trim());
        }
    }

    [Fact]
    public void Reproduce_into_a_folder_holding_a_run_is_refused_and_changes_nothing()
    {
        string table = Path.Combine(Folder, "table.md");
        string checkpoint = Path.Combine(Folder, "checkpoints", "es-random-start.safetensors");
        string metrics = Path.Combine(Folder, "es-random-start.metrics.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(checkpoint)!);
        File.WriteAllText(table, "# an earlier run\n");
        File.WriteAllBytes(checkpoint, [1, 2, 3, 4]);
        File.WriteAllText(metrics, "{\"generation\":0}\n");
        string before = FolderHashes.Of(Folder);

        (int exit, string output, string errors) = CliRunner.Run([(c, e) => ReproduceCommand.Create(c, e)], "reproduce", "--quick", "--out", Folder);
        Assert.Equal(1, exit);
        Assert.Equal(
            $"error: '{Folder}' already holds a run ('{table}', '{metrics}', '{checkpoint}'); refusing to replace it. " +
            "Pass --overwrite to replace it, or choose another --out.", errors.Trim());
        Assert.Equal("", output);
        Assert.Equal(before, FolderHashes.Of(Folder));
    }

    [Fact]
    public void Overwrite_deletes_exactly_the_earlier_runs_files()
    {
        Directory.CreateDirectory(Folder);
        string mine = Path.Combine(Folder, "es.metrics.jsonl"), other = Path.Combine(Folder, "bp-ftz-aware.safetensors");
        File.WriteAllText(mine, "old\n");
        File.WriteAllText(other, "another run\n");
        var log = new StringWriter();
        RunOutputs.Claim(Folder, ["es.safetensors", "es.metrics.jsonl"], overwrite: true, resume: null, log);
        Assert.False(File.Exists(mine));
        Assert.True(File.Exists(other));
        Assert.Equal($"--overwrite: deleting the earlier run's '{mine}'.", log.ToString().Trim());
    }

    [Fact]
    public void A_table_written_to_a_file_or_pipe_keeps_whole_words()
    {
        // A console that is not a terminal gets 80 columns from Spectre.Console, which breaks this table mid-word.
        static string Render(bool configured)
        {
            var text = new StringWriter();
            IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Out = new AnsiConsoleOutput(text),
                Interactive = InteractionSupport.No,
            });
            if (configured)
            {
                ConsoleSetup.Configure(console, redirected: true);
            }

            var table = new Table().AddColumns("Run", "Train (ftz-elementwise)", "Test (ftz-elementwise)", "Train (ieee)", "Test (ieee)", "Training seconds");
            table.AddRow("bp-straight-through", "94.68%", "93.53%", "91.46%", "90.72%", "31.2");
            console.Write(table);
            return text.ToString();
        }

        Assert.DoesNotContain("bp-straight-through", Render(configured: false)); // the premise: unconfigured, it breaks
        string wide = Render(configured: true);
        Assert.Contains("│ bp-straight-through │ 94.68%", wide);
        Assert.Contains("Train (ftz-elementwise)", wide);

        // The program itself, its output a pipe: rows stay on one line, whatever their width.
        (int exit, string output, string errors) = RunProgram("demo");
        Assert.True(exit == 0, errors);
        string[] lines = output.Split('\n');
        Assert.Contains(lines, l => l.Contains("│ a = 0.4·min, b = 0.5·min, c = 1/min", StringComparison.Ordinal) && l.Length > 80);
        Assert.Contains(lines, l => l.Contains("│ 2.2334392E-38 │", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("min = 2^-126 = 1.17549435E-38 (0x00800000), the smallest normal float32. Each cell: bits, then value.", StringComparison.Ordinal));
    }

    /// <summary>Runs the built <c>cpulinear</c> program with its standard output and error redirected to pipes.</summary>
    private static (int Exit, string Output, string Errors) RunProgram(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CpuLinear.Cli.dll"));
        foreach (string argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"cpulinear {string.Join(' ', args)} did not finish within 2 minutes");
        }

        process.WaitForExit();
        return (process.ExitCode, output.Result, errors.Result);
    }
}
