using System.Globalization;
using System.Text.Json;

namespace CpuLinear.Cli.Evolution;

/// <summary>
/// Reads back the logs <see cref="MetricsLog"/> writes: CSV (<c>.csv</c>, columns found by their header names)
/// or JSON Lines (anything else). Only <c>generation</c>, <c>elapsed_s</c> and <c>test_accuracy</c> are required;
/// <c>sample_evaluations</c> may be missing (logs written before it existed), and any other column is ignored.
/// </summary>
internal static class MetricsFile
{
    private static readonly string[] Required = ["generation", "elapsed_s", "test_accuracy"];

    /// <summary>Every row of the log at <paramref name="path"/>, in file order.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="MetricsFormatException">A required column is missing, or a cell is not a number (the file and line named).</exception>
    public static IReadOnlyList<RunPoint> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Metrics file '{path}' does not exist.", path);
        }

        string[] lines = File.ReadAllLines(path);
        return path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? ReadCsv(path, lines) : ReadJsonLines(path, lines);
    }

    private static List<RunPoint> ReadCsv(string path, string[] lines)
    {
        if (lines.Length == 0 || lines[0].Trim().Length == 0)
        {
            throw new MetricsFormatException(path, 1, $"no header; expected one naming at least {string.Join(", ", Required)}");
        }

        string[] header = [.. lines[0].Split(',').Select(h => h.Trim())];
        string[] missing = [.. Required.Where(r => !header.Contains(r))];
        if (missing.Length > 0)
        {
            throw new MetricsFormatException(path, 1, $"the header has no {string.Join(", ", missing.Select(m => $"'{m}'"))} column (it names {string.Join(", ", header)})");
        }

        int generation = Array.IndexOf(header, "generation"), seconds = Array.IndexOf(header, "elapsed_s");
        int test = Array.IndexOf(header, "test_accuracy"), samples = Array.IndexOf(header, "sample_evaluations");
        var rows = new List<RunPoint>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0)
            {
                continue;
            }

            int line = i + 1;
            string[] cells = lines[i].Split(',');
            if (cells.Length != header.Length)
            {
                throw new MetricsFormatException(path, line, $"{cells.Length} cells where the header has {header.Length} columns");
            }

            rows.Add(new RunPoint(
                Whole(path, line, "generation", cells[generation]) ?? throw Empty(path, line, "generation"),
                Number(path, line, "elapsed_s", cells[seconds]) ?? throw Empty(path, line, "elapsed_s"),
                Number(path, line, "test_accuracy", cells[test]),
                samples < 0 ? null : Whole(path, line, "sample_evaluations", cells[samples])));
        }

        return rows;
    }

    private static List<RunPoint> ReadJsonLines(string path, string[] lines)
    {
        var rows = new List<RunPoint>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0)
            {
                continue;
            }

            int line = i + 1;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(lines[i]);
            }
            catch (JsonException ex)
            {
                throw new MetricsFormatException(path, line, $"not a JSON object ({ex.Message.TrimEnd('.')})");
            }

            using (document)
            {
                JsonElement row = document.RootElement;
                if (row.ValueKind != JsonValueKind.Object)
                {
                    throw new MetricsFormatException(path, line, "not a JSON object");
                }

                string[] missing = [.. Required.Where(r => !row.TryGetProperty(r, out _))];
                if (missing.Length > 0)
                {
                    throw new MetricsFormatException(path, line, $"no {string.Join(", ", missing.Select(m => $"'{m}'"))} key");
                }

                rows.Add(new RunPoint(
                    (long)(JsonNumber(path, line, row, "generation", whole: true) ?? throw Empty(path, line, "generation")),
                    JsonNumber(path, line, row, "elapsed_s", whole: false) ?? throw Empty(path, line, "elapsed_s"),
                    JsonNumber(path, line, row, "test_accuracy", whole: false),
                    row.TryGetProperty("sample_evaluations", out _) ? (long?)JsonNumber(path, line, row, "sample_evaluations", whole: true) : null));
            }
        }

        return rows;
    }

    private static double? JsonNumber(string path, int line, JsonElement row, string key, bool whole)
    {
        JsonElement value = row.GetProperty(key);
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            throw new MetricsFormatException(path, line, $"'{key}' is {value.GetRawText()}, not a number");
        }

        if (whole)
        {
            return value.TryGetInt64(out long n) ? n : throw new MetricsFormatException(path, line, $"'{key}' is {value.GetRawText()}, not a whole number");
        }

        return value.GetDouble();
    }

    private static double? Number(string path, int line, string column, string cell)
    {
        string text = cell.Trim();
        if (text.Length == 0)
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new MetricsFormatException(path, line, $"column '{column}' holds '{text}', not a number");
    }

    private static long? Whole(string path, int line, string column, string cell)
    {
        string text = cell.Trim();
        if (text.Length == 0)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new MetricsFormatException(path, line, $"column '{column}' holds '{text}', not a whole number");
    }

    private static MetricsFormatException Empty(string path, int line, string column) =>
        new(path, line, $"'{column}' is empty");
}
