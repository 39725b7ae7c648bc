using CpuLinear.Networks;

namespace CpuLinear.Experiments;

/// <summary>
/// The axes of a sweep: every combination of depth, width, scale exponent and trainer is a cell, and every cell's
/// network is measured under each of <see cref="Semantics"/> (the literal float32 program), so the ablation sits
/// beside each result.
/// </summary>
/// <param name="Depths">Weight layers, each in 2..8.</param>
/// <param name="Widths">Hidden widths, each in 1..65536.</param>
/// <param name="ScaleExponents">S values, each in 1..126.</param>
/// <param name="Trainers">Trainers.</param>
/// <param name="Semantics">Float semantics each trained network is measured under.</param>
public sealed record SweepGrid(
    IReadOnlyList<int> Depths, IReadOnlyList<int> Widths, IReadOnlyList<int> ScaleExponents, IReadOnlyList<SweepTrainer> Trainers, IReadOnlyList<FloatSemantics> Semantics)
{
    /// <summary>Every cell, scale exponent outermost, then depth, width, trainer (the order of the table's rows).</summary>
    public IEnumerable<SweepCell> Cells =>
        from s in ScaleExponents
        from d in Depths
        from w in Widths
        from t in Trainers
        select new SweepCell(d, w, s, t);

    /// <summary>Number of cells.</summary>
    public int Count => Depths.Count * Widths.Count * ScaleExponents.Count * Trainers.Count;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first axis that is empty, repeats a value or leaves its range.</summary>
    public void Validate()
    {
        Check(Depths, "depth", 2, 8);
        Check(Widths, "width", 1, 1 << 16);
        Check(ScaleExponents, "scale exponent", 1, 126);
        Check(Trainers.Select(t => (int)t).ToList(), "trainer", 0, SweepTrainers.All.Count - 1);
        Check(Semantics.Select(s => (int)s).ToList(), "semantics", 0, Enum.GetValues<FloatSemantics>().Length - 1);
    }

    private static void Check(IReadOnlyList<int> values, string axis, int min, int max)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException($"The {axis} axis of a sweep needs at least one value.");
        }

        foreach (int value in values)
        {
            if (value < min || value > max)
            {
                throw new ArgumentException($"Every {axis} of a sweep must be in {min}..{max}; got {value}.");
            }
        }

        if (values.Distinct().Count() != values.Count)
        {
            throw new ArgumentException($"The {axis} axis of a sweep lists a value twice ({string.Join(",", values)}).");
        }
    }
}
