namespace CpuLinear.Scoring;

/// <summary>
/// One layer's histogram of |v|, the magnitude entering its outer dead zone (<c>v = D_in(h·W) + D_in(b)</c>,
/// the value <c>D(v) = |v| &lt; T ? 0 : v</c> is applied to), in bins of equal width on a log scale whose edges
/// include the threshold T itself: what <see cref="PreActivationHistogram.Measure"/> reports per layer.
/// </summary>
/// <remarks>
/// Bin k covers [<see cref="LowerEdge"/>(k), <see cref="UpperEdge"/>(k)) with edges T·2^((k − n)/b), b =
/// <see cref="BinsPerOctave"/> and n = b·<see cref="OctavesEachSide"/>, so the bins below index n are exactly the
/// values inside the dead zone. Values whose product h·W was exactly 0 are not binned (the dead zone had nothing
/// to silence there; <see cref="FlushStatistics"/> does not count them either) but tallied in
/// <see cref="ZeroProducts"/>. Every fraction is of <see cref="Values"/> = examples · units, so
/// <see cref="InsideFraction"/> is <see cref="LayerFlushStatistics.FlushedFraction"/> for the same network and data.
/// </remarks>
public sealed class LayerPreActivationHistogram
{
    private readonly long[] _counts;

    /// <summary>Wraps counts measured by <see cref="PreActivationHistogram.Measure"/>.</summary>
    /// <param name="layer">Layer index, 0 = the first hidden layer.</param>
    /// <param name="units">The layer's outputs.</param>
    /// <param name="examples">Examples measured.</param>
    /// <param name="threshold">The dead zone's edge T (scaled units).</param>
    /// <param name="binsPerOctave">Bins per factor of 2.</param>
    /// <param name="octavesEachSide">Octaves the bins cover below T, and again above it.</param>
    /// <param name="counts">Per bin, 2·binsPerOctave·octavesEachSide of them.</param>
    /// <param name="below">Binned values under the lowest edge (0 included).</param>
    /// <param name="above">Binned values at or over the highest edge, and non-finite ones.</param>
    /// <param name="zeroProducts">Values whose product h·W was exactly 0 (not binned).</param>
    /// <exception cref="ArgumentException">The counts do not match the bins, or a count is negative.</exception>
    public LayerPreActivationHistogram(
        int layer, int units, int examples, float threshold, int binsPerOctave, int octavesEachSide,
        IReadOnlyList<long> counts, long below, long above, long zeroProducts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentOutOfRangeException.ThrowIfLessThan(binsPerOctave, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(octavesEachSide, 1);
        if (counts.Count != 2 * binsPerOctave * octavesEachSide)
        {
            throw new ArgumentException($"{binsPerOctave} bins per octave over {octavesEachSide} octaves each side make {2 * binsPerOctave * octavesEachSide} bins; got {counts.Count} counts.", nameof(counts));
        }

        if (below < 0 || above < 0 || zeroProducts < 0 || counts.Any(c => c < 0))
        {
            throw new ArgumentException("Counts cannot be negative.", nameof(counts));
        }

        Layer = layer;
        Units = units;
        Examples = examples;
        Threshold = threshold;
        BinsPerOctave = binsPerOctave;
        OctavesEachSide = octavesEachSide;
        _counts = [.. counts];
        Below = below;
        Above = above;
        ZeroProducts = zeroProducts;
        Inside = below + _counts.Take(ThresholdBin).Sum();
    }

    /// <summary>Layer index, 0 = the first hidden layer.</summary>
    public int Layer { get; }

    /// <summary>The layer's outputs (fan-out).</summary>
    public int Units { get; }

    /// <summary>Examples measured.</summary>
    public int Examples { get; }

    /// <summary>The dead zone's edge T in scaled units (<see cref="Networks.NetworkArchitecture.DeadZoneThreshold"/>).</summary>
    public float Threshold { get; }

    /// <summary>Bins per factor of 2 in |v|.</summary>
    public int BinsPerOctave { get; }

    /// <summary>Octaves the bins span below T, and again above it.</summary>
    public int OctavesEachSide { get; }

    /// <summary>Values per bin, lowest bin first.</summary>
    public IReadOnlyList<long> Counts => _counts;

    /// <summary>Index of the first bin at or above T: bins 0 … <c>ThresholdBin − 1</c> lie inside the dead zone.</summary>
    public int ThresholdBin => BinsPerOctave * OctavesEachSide;

    /// <summary>Binned values under the lowest edge, 0 included (all inside the dead zone).</summary>
    public long Below { get; }

    /// <summary>Binned values at or over the highest edge, and non-finite ones (all outside the dead zone).</summary>
    public long Above { get; }

    /// <summary>Values whose product h·W was exactly 0: not binned, and not counted as silenced.</summary>
    public long ZeroProducts { get; }

    /// <summary>(Example, unit) values measured: examples · units.</summary>
    public long Values => (long)Examples * Units;

    /// <summary>Binned values inside the dead zone (|v| &lt; T): <see cref="Below"/> plus the bins under <see cref="ThresholdBin"/>.</summary>
    public long Inside { get; }

    /// <summary><see cref="Inside"/> over <see cref="Values"/>: the share of outputs the dead zone silenced.</summary>
    public double InsideFraction => Values == 0 ? 0 : Inside / (double)Values;

    /// <summary>The lower edge of bin <paramref name="bin"/>: T·2^((bin − <see cref="ThresholdBin"/>)/<see cref="BinsPerOctave"/>).</summary>
    public double LowerEdge(int bin) => Threshold * Math.Pow(2, (bin - ThresholdBin) / (double)BinsPerOctave);

    /// <summary>The upper edge of bin <paramref name="bin"/> (the lower edge of the next).</summary>
    public double UpperEdge(int bin) => LowerEdge(bin + 1);

    /// <summary>The share of <see cref="Values"/> in bin <paramref name="bin"/>.</summary>
    public double Fraction(int bin) => Values == 0 ? 0 : _counts[bin] / (double)Values;
}
