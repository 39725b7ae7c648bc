using System.Globalization;
using CpuLinear.Checkpoints;
using CpuLinear.Cli.Commands;
using CpuLinear.Networks;
using SkiaSharp;

namespace CpuLinear.Tests.Training;

public sealed class EvaluateHistogramTests() : TemporaryFolderTest("cpulinear-histogram-")
{
    [Fact]
    public void Evaluate_histogram_writes_a_png_and_a_csv_whose_inside_share_is_the_dead_zone_tables()
    {
        string checkpoint = WriteCheckpoint();
        string png = Path.Combine(Folder, "figures", "hist.png"), csv = Path.Combine(Folder, "figures", "hist.csv");
        (int exit, string output, string errors) = Run("evaluate", checkpoint, "--limit", "200", "--threads", "1", "--dead-zones", "--histogram", png);
        Assert.True(exit == 0, errors);
        Assert.Contains("histogram of |v| at the dead zones", output);
        Assert.Contains("layer 0 (32 units): ", output);
        Assert.Empty(Directory.GetFiles(Path.Combine(Folder, "figures"), "*.tmp", SearchOption.AllDirectories));

        using (SKBitmap image = SKBitmap.Decode(png))
        {
            Assert.Equal((900, 560), (image.Width, image.Height));
            Assert.True(image.Pixels.Distinct().Count() > 20, "the histogram looks blank");
        }

        string[] lines = File.ReadAllLines(csv);
        Assert.Equal("layer,kind,lower,upper,count,fraction,inside,threshold", lines[0]);
        string[][] rows = [.. lines.Skip(1).Select(l => l.Split(','))];
        Assert.All(rows, r => Assert.Equal(8, r.Length));
        Assert.Equal(["0", "1"], rows.Select(r => r[0]).Distinct());
        Assert.Equal(["below", "bin", "above", "zero_product"], rows.Select(r => r[1]).Distinct());
        Assert.All(rows, r => Assert.Equal("0.5", r[7]));
        foreach (string layer in new[] { "0", "1" })
        {
            string[][] mine = [.. rows.Where(r => r[0] == layer)];
            // Every (example, unit) value is in exactly one row: 200 examples x the layer's units.
            Assert.Equal(200L * (layer == "0" ? 32 : 10), mine.Sum(r => long.Parse(r[4], CultureInfo.InvariantCulture)));
            Assert.Equal(1.0, mine.Sum(r => double.Parse(r[5], CultureInfo.InvariantCulture)), 1e-9);
            // Bins are inside exactly when their upper edge is at most the threshold.
            Assert.All(mine.Where(r => r[1] == "bin"), r => Assert.Equal(double.Parse(r[3], CultureInfo.InvariantCulture) <= 0.5 ? "1" : "0", r[6]));

            // The inside share is the "Outputs flushed" figure of --dead-zones, layer by layer.
            double inside = mine.Where(r => r[6] == "1").Sum(r => double.Parse(r[5], CultureInfo.InvariantCulture));
            string shown = inside.ToString("P1", CultureInfo.InvariantCulture);
            Assert.Contains($"layer {layer} ({(layer == "0" ? 32 : 10)} units): {shown} inside the dead zone (", output);
            Assert.Matches($@"│ {layer}\s+│ {(layer == "0" ? 32 : 10)}\s+│ \d\.\d{{4}}\s+│ {System.Text.RegularExpressions.Regex.Escape(shown)}\s+│", output);
        }

        // A second run is refused before any work and leaves both files; --overwrite replaces them.
        DateTime written = File.GetLastWriteTimeUtc(csv);
        (exit, _, errors) = Run("evaluate", checkpoint, "--limit", "200", "--histogram", png);
        Assert.Equal(CommandErrors.Failure, exit);
        Assert.Contains($"'{png}', '{csv}' already exists (--histogram); refusing to replace it. Pass --overwrite", errors);
        Assert.Equal(written, File.GetLastWriteTimeUtc(csv));
        (exit, _, errors) = Run("evaluate", checkpoint, "--limit", "200", "--histogram", png, "--overwrite");
        Assert.True(exit == 0, errors);

        // Only the CSV left over still counts as taken; a name that is not a PNG is a usage error.
        File.Delete(png);
        (exit, _, errors) = Run("evaluate", checkpoint, "--limit", "200", "--histogram", png);
        Assert.Equal(CommandErrors.Failure, exit);
        Assert.Contains($"'{csv}' already exists", errors);
        (exit, _, errors) = Run("evaluate", checkpoint, "--histogram", Path.Combine(Folder, "hist.svg"));
        Assert.Equal(CommandErrors.Usage, exit);
        Assert.Contains("ending in .png", errors);
    }

    private string WriteCheckpoint()
    {
        var net = new NetworkArchitecture([784, 32, 10]);
        string path = Path.Combine(Folder, "small.safetensors");
        SafetensorsCheckpoint.Write(path, new Checkpoint(NetworkParameters.Initialize(net, 5), FloatSemantics.FtzElementwise, "bp", "ftz-aware", 5, 0));
        return path;
    }

    private static (int Exit, string Output, string Errors) Run(params string[] args) =>
        CliRunner.Run([(c, e) => EvaluateCommand.Create(c, e)], args);
}
