using System.Globalization;
using System.Text;
using System.Text.Json;
using CpuLinear.Checkpoints;
using CpuLinear.Evolution;

namespace CpuLinear.Experiments;

/// <summary>
/// A sweep's folder, which makes it resumable: the plan (<see cref="PlanFile"/>), one file per finished cell under
/// <see cref="CellsFolder"/> and the ceiling, each written to a temporary file and renamed when complete, so a killed
/// run leaves finished cells and at most a stray temporary file. Reopening with the same plan finds the finished
/// cells; a different plan is refused unless the caller overwrites, so two grids never mix in one table.
/// </summary>
/// <remarks>
/// Layout:
/// <code>
///   sweep.json            the plan: dataset, limit, seed, axes, both trainers' settings
///   ceiling.json          the converged linear ceiling
///   cells/d3-w16-s125-es.json   one finished cell: its accuracies under each semantics, steps, seconds
///   results.csv, results.md and the figures, rewritten from the cells at the end of every run
/// </code>
/// </remarks>
public sealed class SweepFolder
{
    /// <summary>The plan's file.</summary>
    public const string PlanFile = "sweep.json";

    /// <summary>The ceiling's file.</summary>
    public const string CeilingFile = "ceiling.json";

    /// <summary>The folder of the finished cells.</summary>
    public const string CellsFolder = "cells";

    /// <summary>The format tag in the plan, bumped if the files change meaning.</summary>
    public const string Format = "cpulinear-sweep/1";

    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    private SweepFolder(string path, SweepPlan plan)
    {
        Path = path;
        Plan = plan;
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>The plan it holds.</summary>
    public SweepPlan Plan { get; }

    /// <summary>
    /// Opens <paramref name="folder"/> for <paramref name="plan"/>, creating it and its plan file when new. A folder
    /// holding another plan (or sweep files without a plan) is refused, unless <paramref name="overwrite"/>: then its
    /// sweep files (<paramref name="outputs"/> among them) are deleted first. Temporary files a killed run left are removed.
    /// </summary>
    /// <param name="folder">The folder.</param>
    /// <param name="plan">The sweep to run there.</param>
    /// <param name="overwrite">Replace another sweep found there.</param>
    /// <param name="outputs">
    /// Files the caller writes from the results (the tables and figures), as names or search patterns in the folder
    /// (<c>accuracy-vs-*.png</c>), so an overwrite also removes an earlier grid's figures whatever they were named.
    /// </param>
    /// <param name="log">Where deletions are reported.</param>
    /// <exception cref="IOException">The folder holds another sweep and <paramref name="overwrite"/> is false, or a file cannot be written.</exception>
    public static SweepFolder Open(string folder, SweepPlan plan, bool overwrite, IReadOnlyList<string> outputs, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(log);
        string full = System.IO.Path.GetFullPath(folder);
        Directory.CreateDirectory(full);
        string planPath = System.IO.Path.Combine(full, PlanFile);
        string wanted = ToJson(plan);
        string cells = System.IO.Path.Combine(full, CellsFolder);
        string[] ours = [.. new[] { PlanFile, CeilingFile }.Concat(outputs).SelectMany(pattern => Directory.EnumerateFiles(full, pattern)).Distinct().Order(StringComparer.Ordinal)];
        bool hasCells = Directory.Exists(cells) && Directory.EnumerateFileSystemEntries(cells).Any();
        string? existing = File.Exists(planPath) ? File.ReadAllText(planPath) : null;
        if (existing != wanted && (existing is not null || ours.Length > 0 || hasCells))
        {
            string what = existing is null
                ? $"sweep files without a {PlanFile}"
                : $"another sweep (its {PlanFile} differs in {string.Join(", ", Differences(existing, wanted, planPath))})";
            if (!overwrite)
            {
                throw new IOException(
                    $"'{full}' holds {what}; refusing to mix two grids in one table. Pass --overwrite to replace it, or choose another --out.");
            }

            log.WriteLine($"--overwrite: deleting the earlier sweep in '{full}' ({(hasCells ? $"{CellsFolder}/, " : "")}{string.Join(", ", ours.Select(System.IO.Path.GetFileName))}).");
            foreach (string file in ours)
            {
                File.Delete(file);
            }

            if (Directory.Exists(cells))
            {
                Directory.Delete(cells, recursive: true);
            }
        }

        Directory.CreateDirectory(cells);
        foreach (string stray in Directory.EnumerateFiles(full, ".*.tmp").Concat(Directory.EnumerateFiles(cells, ".*.tmp")))
        {
            // A run killed while writing: the file it was writing never replaced anything, so it goes.
            File.Delete(stray);
        }

        if (existing != wanted)
        {
            WriteAtomically(planPath, Encoding.UTF8.GetBytes(wanted));
        }

        return new SweepFolder(full, plan);
    }

    /// <summary>The result of <paramref name="cell"/> if an earlier run finished it; null otherwise.</summary>
    /// <exception cref="IOException">The cell's file is not a result of this cell under this grid (it names the file).</exception>
    public SweepCellResult? Finished(SweepCell cell)
    {
        string path = CellPath(cell);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = document.RootElement;
            var found = new SweepCell(
                root.GetProperty("depth").GetInt32(), root.GetProperty("width").GetInt32(), root.GetProperty("scale_exponent").GetInt32(),
                SweepTrainers.Parse(root.GetProperty("trainer").GetString() ?? "") ?? throw new FormatException("unknown trainer"));
            var accuracies = root.GetProperty("accuracy").EnumerateArray().Select(a => new SweepAccuracy(
                CheckpointNames.ParseSemantics(a.GetProperty("semantics").GetString()) ?? throw new FormatException("unknown semantics"),
                a.GetProperty("train").GetDouble(), a.GetProperty("test").GetDouble())).ToList();
            if (found != cell || !accuracies.Select(a => a.Semantics).SequenceEqual(Plan.Grid.Semantics))
            {
                throw new FormatException($"it holds cell {found.Id} measured under {string.Join(", ", accuracies.Select(a => CheckpointNames.Of(a.Semantics)))}");
            }

            return new SweepCellResult(cell, accuracies, root.GetProperty("steps").GetInt64(), root.GetProperty("seconds").GetDouble());
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new IOException($"'{path}' is not the result of cell {cell.Id} of this sweep ({ex.Message}); delete it to run the cell again.", ex);
        }
    }

    /// <summary>Writes a finished cell (temporary file, then rename).</summary>
    public void Save(SweepCellResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        WriteJson(CellPath(result.Cell), w =>
        {
            w.WriteString("cell", result.Cell.Id);
            w.WriteNumber("depth", result.Cell.Depth);
            w.WriteNumber("width", result.Cell.Width);
            w.WriteNumber("scale_exponent", result.Cell.ScaleExponent);
            w.WriteString("trainer", SweepTrainers.Name(result.Cell.Trainer));
            w.WriteNumber("steps", result.Steps);
            w.WriteNumber("seconds", Math.Round(result.Seconds, 3));
            w.WriteStartArray("accuracy");
            foreach (SweepAccuracy a in result.Accuracies)
            {
                w.WriteStartObject();
                w.WriteString("semantics", CheckpointNames.Of(a.Semantics));
                w.WriteNumber("train", a.Train);
                w.WriteNumber("test", a.Test);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    /// <summary>The ceiling if an earlier run measured it; null otherwise.</summary>
    /// <exception cref="IOException">The file is damaged (it names the file).</exception>
    public SweepCeiling? FinishedCeiling()
    {
        string path = System.IO.Path.Combine(Path, CeilingFile);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = document.RootElement;
            return new SweepCeiling(
                root.GetProperty("train").GetDouble(), root.GetProperty("test").GetDouble(), root.GetProperty("epochs").GetInt32(), root.GetProperty("converged").GetBoolean());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new IOException($"'{path}' is not a sweep's linear ceiling ({ex.Message}); delete it to measure it again.", ex);
        }
    }

    /// <summary>Writes the ceiling (temporary file, then rename).</summary>
    public void Save(SweepCeiling ceiling)
    {
        ArgumentNullException.ThrowIfNull(ceiling);
        WriteJson(System.IO.Path.Combine(Path, CeilingFile), w =>
        {
            w.WriteNumber("train", ceiling.Train);
            w.WriteNumber("test", ceiling.Test);
            w.WriteNumber("epochs", ceiling.Epochs);
            w.WriteBoolean("converged", ceiling.Converged);
        });
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="name"/> in the folder (temporary file, then rename).</summary>
    public void Write(string name, byte[] bytes) => WriteAtomically(System.IO.Path.Combine(Path, name), bytes);

    /// <summary>The plan as the canonical JSON its file holds: equal plans give equal text.</summary>
    public static string ToJson(SweepPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        SweepGrid g = plan.Grid;
        SweepSettings s = plan.Settings;
        EvolutionSettings es = s.Evolution;
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, Indented))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteString("dataset", s.Dataset);
            if (s.Limit is { } limit)
            {
                w.WriteNumber("limit", limit);
            }
            else
            {
                w.WriteNull("limit");
            }

            w.WriteString("seed", s.Seed.ToString(CultureInfo.InvariantCulture));
            Numbers(w, "depths", g.Depths);
            Numbers(w, "widths", g.Widths);
            Numbers(w, "scale_exponents", g.ScaleExponents);
            Strings(w, "trainers", g.Trainers.Select(SweepTrainers.Name));
            Strings(w, "semantics", g.Semantics.Select(CheckpointNames.Of));
            w.WriteStartObject("backprop");
            w.WriteNumber("epochs", s.Epochs);
            w.WriteNumber("batch", s.Batch);
            w.WriteNumber("lr", s.LearningRate);
            w.WriteEndObject();
            w.WriteStartObject("es");
            w.WriteNumber("generations", es.Generations);
            w.WriteNumber("pairs", es.Pairs);
            w.WriteNumber("batch", es.BatchSize);
            w.WriteNumber("sigma_initial", es.SigmaInitial);
            w.WriteNumber("sigma_final", es.SigmaFinal);
            w.WriteNumber("lr_initial", es.LearningRateInitial);
            w.WriteNumber("lr_final", es.LearningRateFinal);
            w.WriteNumber("weight_decay", es.WeightDecay);
            w.WriteNumber("rank", es.Rank);
            w.WriteNumber("first_layer_units", es.FirstLayerUnits);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private string CellPath(SweepCell cell) => System.IO.Path.Combine(Path, CellsFolder, cell.Id + ".json");

    // The plan's top-level keys whose values differ, so the refusal says what changed.
    private static IEnumerable<string> Differences(string existing, string wanted, string path)
    {
        try
        {
            using JsonDocument old = JsonDocument.Parse(existing);
            using JsonDocument now = JsonDocument.Parse(wanted);
            var keys = old.RootElement.EnumerateObject().Select(p => p.Name).Union(now.RootElement.EnumerateObject().Select(p => p.Name));
            return [.. keys.Where(k => !(old.RootElement.TryGetProperty(k, out JsonElement a) && now.RootElement.TryGetProperty(k, out JsonElement b) && a.GetRawText() == b.GetRawText()))];
        }
        catch (JsonException)
        {
            return [$"everything: '{path}' is not JSON"];
        }
    }

    private static void Numbers(Utf8JsonWriter w, string name, IEnumerable<int> values)
    {
        w.WriteStartArray(name);
        foreach (int v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (string v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    private static void WriteJson(string path, Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, Indented))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
        WriteAtomically(path, stream.ToArray());
    }

    // As checkpoints are written: a temporary file in the same folder, flushed, then renamed over the target.
    private static void WriteAtomically(string path, byte[] bytes)
    {
        string folder = System.IO.Path.GetDirectoryName(path)!;
        string temporary = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
