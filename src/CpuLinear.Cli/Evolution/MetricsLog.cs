using System.Globalization;
using System.Text;

namespace CpuLinear.Cli.Evolution;

/// <summary>One row of an ES run's per-generation log.</summary>
/// <remarks>
/// <c>SampleEvaluations</c> is cumulative: member·row evaluations of generations 0 … <c>Generation</c>, i.e.
/// (generation + 1) · 2 · pairs · batch rows; null where it is not known (a log written before it existed).
/// </remarks>
internal readonly record struct GenerationMetrics(
    long Generation, double ElapsedSeconds, float Sigma, float LearningRate, double BatchLoss, double BatchAccuracy,
    double MeanFitness, double? TrainAccuracy, double? TestAccuracy, long? SampleEvaluations = null);

/// <summary>
/// Appends per-generation metrics as CSV (<c>.csv</c>) or JSON Lines (anything else). Appending, not
/// truncating, so a resumed run continues the same file. <c>sample_evaluations</c> is the last column (and
/// key); a CSV begun before that column existed is continued in its own layout, without it, so every row
/// matches its header.
/// </summary>
internal sealed class MetricsLog : IDisposable
{
    /// <summary>The CSV header, in column order.</summary>
    public const string CsvHeader = LegacyCsvHeader + ",sample_evaluations";

    /// <summary>The CSV header of logs written before <c>sample_evaluations</c> existed.</summary>
    public const string LegacyCsvHeader = "generation,elapsed_s,sigma,lr,batch_loss,batch_accuracy,mean_fitness,train_accuracy,test_accuracy";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private readonly StreamWriter _writer;
    private readonly bool _csv;
    private readonly bool _legacyCsv;

    public MetricsLog(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _csv = path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        bool fresh = !File.Exists(path) || new FileInfo(path).Length == 0;
        _legacyCsv = _csv && !fresh && File.ReadLines(path).FirstOrDefault()?.Trim() == LegacyCsvHeader;
        _writer = new StreamWriter(path, append: true, new UTF8Encoding(false)) { AutoFlush = true };
        if (_csv && fresh)
        {
            _writer.WriteLine(CsvHeader);
        }
    }

    public void Write(GenerationMetrics m)
    {
        if (_csv)
        {
            _writer.WriteLine(string.Create(Invariant,
                $"{m.Generation},{m.ElapsedSeconds:F3},{m.Sigma:R},{m.LearningRate:R},{m.BatchLoss:R},{m.BatchAccuracy:R},{m.MeanFitness:R},{Optional(m.TrainAccuracy)},{Optional(m.TestAccuracy)}{(_legacyCsv ? "" : "," + Optional(m.SampleEvaluations))}"));
            return;
        }

        _writer.WriteLine(string.Create(Invariant,
            $"{{\"generation\":{m.Generation},\"elapsed_s\":{m.ElapsedSeconds:F3},\"sigma\":{m.Sigma:R},\"lr\":{m.LearningRate:R},\"batch_loss\":{Json(m.BatchLoss)},\"batch_accuracy\":{m.BatchAccuracy:R},\"mean_fitness\":{Json(m.MeanFitness)},\"train_accuracy\":{Json(m.TrainAccuracy)},\"test_accuracy\":{Json(m.TestAccuracy)},\"sample_evaluations\":{Json(m.SampleEvaluations)}}}"));
    }

    public void Dispose() => _writer.Dispose();

    private static string Optional(double? value) => value is { } v ? v.ToString("R", Invariant) : "";

    private static string Optional(long? value) => value is { } v ? v.ToString(Invariant) : "";

    private static string Json(long? value) => value is { } v ? v.ToString(Invariant) : "null";

    // JSON has no NaN or infinity: a diverged loss is written as null rather than an unparsable token.
    private static string Json(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("R", Invariant) : "null";
}
