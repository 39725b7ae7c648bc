using CpuLinear.Cli.Commands;
using SkiaSharp;

namespace CpuLinear.Tests.Experiments;

public sealed class ExperimentCommandTests() : TemporaryFolderTest("cpulinear-experiment-")
{
    [Fact]
    public void Bottleneck_writes_its_table_csv_and_figure_and_refuses_to_overwrite_them()
    {
        string[] tiny = ["experiment", "bottleneck", "--out", Folder, "--hidden", "8", "--inputs", "4", "--outputs", "2", "--samples", "3", "--directions", "2", "--radii", "0.5,1"];
        (int exit, string output, string errors) = Run(tiny);
        Assert.True(exit == 0, errors);
        string csv = Path.Combine(Folder, "bottleneck-tangent.csv");
        string[] lines = File.ReadAllLines(csv);
        Assert.Equal(BottleneckCommand.CsvHeader, lines[0]);
        // 4 networks x 2 semantics x 2 radii.
        Assert.Equal(1 + (4 * 2 * 2), lines.Length);
        Assert.StartsWith("one-layer,4-2,ieee,tangent,0.5,", lines[1]);
        Assert.Contains(lines, l => l.StartsWith("bottleneck2-8,4-8-1-8-1-8-2,ftz-elementwise,tangent,1,", StringComparison.Ordinal));
        AssertPng(Path.Combine(Folder, "bottleneck-tangent.png"), 1600, 600);
        Assert.Contains("bottleneck1-8", output);
        Assert.Contains("R = 0.5", output);

        (exit, _, errors) = Run(tiny);
        Assert.Equal(CommandErrors.Failure, exit);
        Assert.Contains("already exists (--out); refusing to replace it. Pass --overwrite", errors);
        (exit, _, errors) = Run([.. tiny, "--overwrite"]);
        Assert.True(exit == 0, errors);

        Assert.Empty(Directory.GetFiles(Folder, "*.tmp"));
    }

    [Fact]
    public void Rnn_parity_writes_its_table_csv_and_figure()
    {
        string[] tiny = ["experiment", "rnn-parity", "--out", Folder, "--lengths", "2,3", "--state", "3", "--pairs", "2", "--batch", "8", "--generations", "2", "--semantics", "ieee,ftz-elementwise"];
        (int exit, string output, string errors) = Run(tiny);
        Assert.True(exit == 0, errors);
        string[] lines = File.ReadAllLines(Path.Combine(Folder, "rnn-parity.csv"));
        Assert.Equal(RnnParityCommand.CsvHeader, lines[0]);
        // Per length: hand-built and ES-trained under 2 semantics, and the baseline.
        Assert.Equal(1 + (2 * 5), lines.Length);
        Assert.StartsWith("hand-built,positive,ftz-elementwise,2,4,1,0.75,0.75,", lines[2]);
        Assert.StartsWith("one-layer,-,ieee,3,8,", lines[^1]);
        AssertPng(Path.Combine(Folder, "rnn-parity.png"), 900, 560);
        Assert.Contains("hand-built RNN, positive W, ftz-elementwise", output);
        Assert.Contains("ES 2 pairs, batch 8, 2 generations", errors);

        (exit, _, errors) = Run(tiny);
        Assert.Equal(CommandErrors.Failure, exit);
        Assert.Contains("rnn-parity.csv", errors);
    }

    [Fact]
    public void Gradient_alignment_writes_one_row_per_population_and_block_and_refuses_to_overwrite()
    {
        string[] tiny = ["experiment", "gradient-alignment", "--dataset", "parity4", "--out", Folder, "--pairs", "3,9", "--first-layer-units", "4", "--es-batch", "8", "--generations", "10", "--threads", "1"];
        (int exit, string output, string errors) = Run(tiny);
        Assert.True(exit == 0, errors);
        string[] lines = File.ReadAllLines(Path.Combine(Folder, "gradient-alignment.csv"));
        Assert.Equal(GradientAlignmentCommand.CsvHeader, lines[0]);
        // 2 populations x (3 layers' W and b + all); the default parity network is 4-16-16-2.
        Assert.Equal(1 + (2 * 7), lines.Length);
        Assert.StartsWith("3,W1,64,", lines[1]);
        Assert.StartsWith("9,all,386,", lines[^1]);
        Assert.Contains("FTZ-aware vs straight-through", output);
        Assert.Contains("4-16-16-2 (s = 2^125) at θ₀ of seed 1", errors);

        (exit, _, errors) = Run(tiny);
        Assert.Equal(CommandErrors.Failure, exit);
        Assert.Contains("gradient-alignment.csv", errors);
    }

    [Theory]
    [InlineData("gradient-alignment", "--pairs", "4,0", "--pairs takes positive whole numbers; '0' in '4,0' is not one")]
    [InlineData("gradient-alignment", "--sigma-layers", "1,z", "entry 2 of '1,z' is 'z'")]
    [InlineData("bottleneck", "--along", "sideways", "--along must be tangent or isotropic")]
    [InlineData("bottleneck", "--radii", "1,x", "--radii takes positive numbers; 'x' in '1,x' is not one")]
    [InlineData("bottleneck", "--semantics", "ieee,fast", "--semantics takes ieee, ftz-elementwise or ftz-everywhere; 'fast' in 'ieee,fast' is not one")]
    [InlineData("bottleneck", "--hidden", "0", "hidden width")]
    [InlineData("rnn-parity", "--lengths", "1", "Sequence lengths must be in [2, 4096]")]
    [InlineData("rnn-parity", "--state-matrix", "negative", "--state-matrix must be positive or free")]
    [InlineData("rnn-parity", "--sigma", "0.1", "--sigma takes two numbers, from,to")]
    [InlineData("rnn-parity", "--state", "2", "The hand-built θ needs at least 3 state units")]
    [InlineData("rnn-parity", "--threads", "0", "--threads must be at least 1")]
    public void Bad_options_are_usage_errors_that_name_the_option(string experiment, string option, string value, string message)
    {
        (int exit, _, string errors) = Run("experiment", experiment, "--out", Folder, option, value);
        Assert.Equal(CommandErrors.Usage, exit);
        Assert.Contains(message, errors);
        Assert.False(Directory.Exists(Folder) && Directory.EnumerateFiles(Folder).Any(), "nothing is written on a usage error");
    }

    private static (int Exit, string Output, string Errors) Run(params string[] args) =>
        CliRunner.Run([(console, errors) => ExperimentCommand.Create(console, errors)], args);

    private static void AssertPng(string path, int width, int height)
    {
        using SKBitmap bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        Assert.Equal(width, bitmap.Width);
        Assert.Equal(height, bitmap.Height);
        Assert.True(bitmap.Pixels.Distinct().Count() > 20, $"{path} looks blank.");
    }
}
