using CommunityToolkit.HighPerformance;
using CommunityToolkit.HighPerformance.Buffers;

namespace CpuLinear.Data;

/// <summary>
/// A labelled dataset split: <see cref="Count"/> examples of <see cref="Features"/> float32 features each,
/// stored row-major in one pooled buffer, plus one byte label per example.
/// </summary>
/// <remarks>
/// Layout of <see cref="Pixels"/> (pitch 0, so a row is contiguous and the whole matrix is one span):
/// <code>
///   example 0: [f0 f1 ... f(Features-1)]
///   example 1: [f0 f1 ... f(Features-1)]
///   ...
/// </code>
/// Image pixels are byte / 255f, so every value lies in [0, 1] and is never NaN or subnormal except 0.
/// The pixel buffer is rented from a pool; dispose the instance to return it. Accessing data after
/// <see cref="Dispose"/> throws <see cref="ObjectDisposedException"/>.
/// </remarks>
public sealed class LabeledImages : IDisposable
{
    private MemoryOwner<float>? _pixels;
    private readonly byte[] _labels;

    /// <summary>Takes ownership of <paramref name="pixels"/> (length count × rows × columns).</summary>
    /// <exception cref="ArgumentException">Sizes disagree or a label is not below <paramref name="classCount"/>.</exception>
    public LabeledImages(MemoryOwner<float> pixels, byte[] labels, int rows, int columns, int classCount, DataProvenance provenance)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(provenance);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classCount, 256);
        long features = (long)rows * columns;
        if (features > int.MaxValue || (long)labels.Length * features != pixels.Length)
        {
            throw new ArgumentException(
                $"Pixel buffer holds {pixels.Length} values; {labels.Length} examples of {rows}x{columns} need {labels.Length * features}.",
                nameof(pixels));
        }

        foreach (byte label in labels)
        {
            if (label >= classCount)
            {
                throw new ArgumentException($"Label {label} is not below the class count {classCount}.", nameof(labels));
            }
        }

        _pixels = pixels;
        _labels = labels;
        Rows = rows;
        Columns = columns;
        Features = (int)features;
        ClassCount = classCount;
        Provenance = provenance;
    }

    /// <summary>Number of examples.</summary>
    public int Count => _labels.Length;

    /// <summary>Image height (1 for non-image data).</summary>
    public int Rows { get; }

    /// <summary>Image width (the feature count for non-image data).</summary>
    public int Columns { get; }

    /// <summary>Features per example, <see cref="Rows"/> × <see cref="Columns"/>.</summary>
    public int Features { get; }

    /// <summary>Number of classes; every label is below it.</summary>
    public int ClassCount { get; }

    /// <summary>Origin and checksum status.</summary>
    public DataProvenance Provenance { get; }

    /// <summary>All features, row-major, <see cref="Count"/> × <see cref="Features"/>.</summary>
    public ReadOnlySpan<float> Pixels => Owner.Span;

    /// <summary>The same data as a 2-D view, one row per example.</summary>
    public ReadOnlySpan2D<float> PixelMatrix
    {
        get
        {
            ArraySegment<float> segment = Owner.DangerousGetArray();
            return new ReadOnlySpan2D<float>(segment.Array!, segment.Offset, Count, Features, 0);
        }
    }

    /// <summary>One label per example, each below <see cref="ClassCount"/>.</summary>
    public ReadOnlySpan<byte> Labels
    {
        get
        {
            ObjectDisposedException.ThrowIf(_pixels is null, this);
            return _labels;
        }
    }

    /// <summary>The features of example <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> GetRow(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Owner.Span.Slice(index * Features, Features);
    }

    /// <summary>
    /// A copy of the first <paramref name="count"/> examples (all of them when there are fewer), in a buffer of its
    /// own: dispose it as any split. Quick runs train on such a prefix, as a trainer's <c>limit</c> does.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1.</exception>
    public LabeledImages First(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        int rows = Math.Min(count, Count);
        var pixels = MemoryOwner<float>.Allocate(rows * Features);
        Owner.Span[..(rows * Features)].CopyTo(pixels.Span);
        return new LabeledImages(pixels, _labels[..rows], Rows, Columns, ClassCount, Provenance);
    }

    /// <summary>How many examples carry each label (length <see cref="ClassCount"/>).</summary>
    public int[] CountPerClass()
    {
        var counts = new int[ClassCount];
        foreach (byte label in Labels)
        {
            counts[label]++;
        }

        return counts;
    }

    /// <summary>Returns the pixel buffer to its pool.</summary>
    public void Dispose()
    {
        _pixels?.Dispose();
        _pixels = null;
    }

    private MemoryOwner<float> Owner
    {
        get
        {
            ObjectDisposedException.ThrowIf(_pixels is null, this);
            return _pixels;
        }
    }
}
