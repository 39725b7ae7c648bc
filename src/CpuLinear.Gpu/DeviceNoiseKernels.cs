using ILGPU;

namespace CpuLinear.Gpu;

/// <summary>
/// Every member kind's noise drawn on the device with the host's bits, into the host's vector layout
/// (<see cref="Evolution.LowRankNoiseLayout"/>), so the noise never crosses the bus: low-rank and later-layer vectors
/// (<see cref="Evolution.LowRankNoise"/>, <see cref="Evolution.LaterLayerNoise"/>), unit subsets and their masked first
/// layer (<see cref="Evolution.UnitSubsetNoise"/>), and the full-rank table and offsets (<see cref="Evolution.FullRankNoise"/>).
/// </summary>
internal static class DeviceNoiseKernels
{
    /// <summary>The stream tags the host's noise kinds derive their streams from.</summary>
    public const ulong PairTag = 0xE5_1A7E, UnitTag = 0xE5_5E1E, OffsetTag = 0xE5_0FF5, TableTag = 0xE5_7AB1E;

    /// <summary>
    /// Elements 2h and 2h + 1 (X = h) of pair Y's vector: the stream of (g, FirstStreamPair + Y) under the seed, one
    /// Box–Muller for both, +0 in the zero ranges (the host's <c>Clear</c>).
    /// </summary>
    public static void DrawPairs<TMath>(Index2D index, ArrayView<float> noise, NoiseArguments args)
        where TMath : struct, IDeviceArithmetic
    {
        long e = 2L * index.X;
        int pair = index.Y;
        long at = ((long)pair * args.Length) + e;
        bool second = e + 1 < args.Length;
        bool zero0 = IsZero(e, args), zero1 = !second || IsZero(e + 1, args);
        if (zero0 && zero1)
        {
            noise[at] = 0f;
            if (second)
            {
                noise[at + 1] = 0f;
            }

            return;
        }

        ulong stream = DeviceRandom.StreamOf(PairTag, args.Generation, (ulong)(args.FirstStreamPair + pair));
        NormalPair normals = DeviceRandom.Normals<TMath>(DeviceRandom.Block(args.Key, stream, (ulong)index.X));
        noise[at] = zero0 ? 0f : (float)normals.Cos;
        if (second)
        {
            noise[at + 1] = zero1 ? 0f : (float)normals.Sin;
        }
    }

    /// <summary>
    /// Pair X's units (one thread per pair): a partial Fisher–Yates shuffle of 0..width−1 in <paramref name="order"/>
    /// (width ints per pair) driven by the stream of (g, FirstStreamPair + X), its first k entries sorted into
    /// <paramref name="units"/> (k ints per pair), as <see cref="Evolution.UnitSubsets.ChooseUnits"/> chooses them.
    /// </summary>
    public static void ChooseUnits(Index1D index, ArrayView<int> order, ArrayView<int> units, NoiseArguments args)
    {
        int pair = index;
        long o = (long)pair * args.Width, u = (long)pair * args.Units;
        for (int i = 0; i < args.Width; i++)
        {
            order[o + i] = i;
        }

        ulong stream = DeviceRandom.StreamOf(UnitTag, args.Generation, (ulong)(args.FirstStreamPair + pair));
        for (int i = 0; i < args.Units; i++)
        {
            int pick = i + (int)(DeviceRandom.Block(args.Key, stream, (ulong)i).Low64 % (ulong)(args.Width - i));
            int kept = order[o + i];
            order[o + i] = order[o + pick];
            order[o + pick] = kept;
        }

        // Insertion sort: the units are distinct, so any sort gives the host's increasing order.
        for (int i = 0; i < args.Units; i++)
        {
            int value = order[o + i], j = i;
            while (j > 0 && units[u + j - 1] > value)
            {
                units[u + j] = units[u + j - 1];
                j--;
            }

            units[u + j] = value;
        }
    }

    /// <summary>
    /// The kept first-layer noise of unit X of pair Z (Y = t &lt; r: B₁[t, unit]; Y = r: b₁[unit]): the element the full
    /// stream has there, times √(width/k); <see cref="DrawPairs{TMath}"/> left the rest of both pieces at +0.
    /// </summary>
    public static void DrawUnits<TMath>(Index3D index, ArrayView<float> noise, ArrayView<int> units, NoiseArguments args)
        where TMath : struct, IDeviceArithmetic
    {
        int pair = index.Z, t = index.Y;
        int unit = units[((long)pair * args.Units) + index.X];
        int element = t < args.Rank ? args.FactorB0 + (t * args.Width) + unit : args.BiasNoise0 + unit;
        ulong stream = DeviceRandom.StreamOf(PairTag, args.Generation, (ulong)(args.FirstStreamPair + pair));
        float value = DeviceRandom.Normal<TMath>(args.Key, stream, element);
        noise[((long)pair * args.Length) + element] = default(TMath).Mul(value, args.UnitScale);
    }

    /// <summary>
    /// Elements 2h and 2h + 1 of the normal stream (key, stream) into table[2h], table[2h + 1] for h = X, X + stride, …
    /// (the full-rank table).
    /// </summary>
    public static void FillTable<TMath>(Index1D index, ArrayView<float> table, ulong key, ulong stream, int stride)
        where TMath : struct, IDeviceArithmetic
    {
        long halves = (table.Length + 1) / 2;
        for (long h = (int)index; h < halves; h += stride)
        {
            long e = 2 * h;
            NormalPair normals = DeviceRandom.Normals<TMath>(DeviceRandom.Block(key, stream, (ulong)h));
            table[e] = (float)normals.Cos;
            if (e + 1 < table.Length)
            {
                table[e + 1] = (float)normals.Sin;
            }
        }
    }

    /// <summary>Pair X's offset into the full-rank table in generation g: a Philox draw modulo the table's span, as <see cref="Evolution.FullRankNoise"/> draws it.</summary>
    public static void TableOffsets(Index1D index, ArrayView<int> offsets, ulong key, ulong stream, ulong span) =>
        offsets[index] = (int)(DeviceRandom.Block(key, stream, (ulong)(int)index).Low64 % span);

    private static bool IsZero(long element, NoiseArguments args) =>
        (element >= args.ZeroFrom0 && element < args.ZeroTo0) || (element >= args.ZeroFrom1 && element < args.ZeroTo1);
}
