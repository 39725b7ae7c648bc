namespace CpuLinear.Kernels;

/// <summary>
/// Out-of-place matrix transpose, <c>destination[j, i] = source[i, j]</c>, for products the row-major,
/// no-transpose <see cref="Gemm"/> cannot express directly (weight gradients hᵀ·δ, back-propagated δ·Wᵀ).
/// </summary>
/// <remarks>
/// A pure copy: the bits of every value are kept, so a GEMM on the transposed copy is still one FMA chain
/// per output in increasing k and stays deterministic. Tiles of 32 x 32 keep both the rows being read and the
/// rows being written (32 cache lines each) in L1, where a naive loop would miss on every store.
/// </remarks>
public static class Transpose
{
    private const int Tile = 32;

    /// <summary>Writes the transpose of <paramref name="source"/> (rows x columns, row-major) into <paramref name="destination"/> (columns x rows).</summary>
    /// <param name="source">The matrix.</param>
    /// <param name="rows">Its rows.</param>
    /// <param name="columns">Its columns.</param>
    /// <param name="destination">Its transpose.</param>
    /// <exception cref="ArgumentException">A span is shorter than rows x columns.</exception>
    public static unsafe void Apply(ReadOnlySpan<float> source, int rows, int columns, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        long needed = (long)rows * columns;
        if (source.Length < needed || destination.Length < needed)
        {
            throw new ArgumentException($"A {rows}x{columns} transpose needs {needed} floats; source has {source.Length}, destination {destination.Length}.");
        }

        // Destination rows written along, source columns read down, in 32 x 32 tiles: a tile's 32 source lines stay in L1.
        fixed (float* from = source)
        fixed (float* to = destination)
        {
            for (int j0 = 0; j0 < columns; j0 += Tile)
            {
                int j1 = Math.Min(j0 + Tile, columns);
                for (int i0 = 0; i0 < rows; i0 += Tile)
                {
                    int i1 = Math.Min(i0 + Tile, rows);
                    for (int j = j0; j < j1; j++)
                    {
                        float* output = to + ((nint)j * rows);
                        float* column = from + j;
                        for (int i = i0; i < i1; i++)
                        {
                            output[i] = column[(nint)i * columns];
                        }
                    }
                }
            }
        }
    }
}
