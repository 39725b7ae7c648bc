using CpuLinear.Randomness;
using ILGPU;
using ILGPU.Runtime;

namespace CpuLinear.Gpu.Tests;

/// <summary>
/// The device's generators against the host's, bit for bit: Philox4x32-10 blocks over many keys, streams and counters
/// (edge values included), Box–Muller on chosen words (u1 at its smallest, 1, quadrant and octant boundaries of u2),
/// the portable logarithm on subnormal and extreme inputs, and whole normal streams at odd offsets.
/// </summary>
public sealed class DeviceRandomTests(IlgpuFixture fixture) : IClassFixture<IlgpuFixture>
{
    private Accelerator Accelerator => fixture.Backend.Accelerator;

    [Fact]
    public void Philox_blocks_equal_the_hosts_for_many_keys_streams_and_counters()
    {
        ulong[] edges = [0, 1, 0xFFFF_FFFF, 0x1_0000_0000, 0xFFFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0x5EED_5EED_5EED_5EED];
        var keys = new List<ulong>();
        var streams = new List<ulong>();
        var blocks = new List<ulong>();
        foreach (ulong k in edges)
        {
            foreach (ulong s in edges)
            {
                foreach (ulong b in edges)
                {
                    keys.Add(k);
                    streams.Add(s);
                    blocks.Add(b);
                }
            }
        }

        ulong state = 17;
        for (int i = 0; i < 4000; i++)
        {
            keys.Add(Seeded.Next(ref state));
            streams.Add(Seeded.Next(ref state));
            blocks.Add(i % 3 == 0 ? (ulong)i : Seeded.Next(ref state));
        }

        uint[] words = RunBlocks([.. keys], [.. streams], [.. blocks]);
        for (int i = 0; i < keys.Count; i++)
        {
            var (x0, x1, x2, x3) = Philox4x32.Block(keys[i], streams[i], blocks[i]);
            Assert.True(
                (x0, x1, x2, x3) == (words[4 * i], words[(4 * i) + 1], words[(4 * i) + 2], words[(4 * i) + 3]),
                $"block ({keys[i]:X}, {streams[i]:X}, {blocks[i]:X}) differs");
        }
    }

    [Fact]
    public void Box_muller_equals_the_hosts_on_random_and_edge_words()
    {
        var words = new List<uint>();
        void Add(uint x0, uint x1, uint x2, uint x3) => words.AddRange([x0, x1, x2, x3]);

        // u1 = 2^-53 (the smallest: radius ≈ 8.57), u1 = 1 (radius 0), u1 just below √½ and 1; u2 = 0, at each quarter
        // and eighth turn (quadrant and swap boundaries), and just below 1.
        uint[] u1High = [0, 0xFFFF_FFFF, 0xB504_F333, 0xB504_F334, 0x0000_0001, 0x8000_0000];
        uint[] u2High = [0, 0x1000_0000, 0x2000_0000, 0x4000_0000, 0x6000_0000, 0x8000_0000, 0xC000_0000, 0xE000_0000, 0xFFFF_FFFF, 0x3FFF_FFFF];
        foreach (uint a in u1High)
        {
            foreach (uint c in u2High)
            {
                Add(a, a == 0xFFFF_FFFF ? 0xFFFF_FFFF : 0, c, c == 0xFFFF_FFFF ? 0xFFFF_FFFF : 0);
                Add(a, 0x7FF, c, 0x7FF); // the low 11 bits are dropped: the same u1 and u2
            }
        }

        ulong state = 5;
        for (int i = 0; i < 3000; i++)
        {
            ulong r = Seeded.Next(ref state), q = Seeded.Next(ref state);
            Add((uint)r, (uint)(r >> 32), (uint)q, (uint)(q >> 32));
        }

        uint[] all = [.. words];
        double[] normals = RunNormals(all);
        for (int i = 0; i < all.Length / 4; i++)
        {
            var (cos, sin) = CounterRandom.NormalPair(all[4 * i], all[(4 * i) + 1], all[(4 * i) + 2], all[(4 * i) + 3]);
            Assert.True(
                BitConverter.DoubleToUInt64Bits(cos) == BitConverter.DoubleToUInt64Bits(normals[2 * i])
                && BitConverter.DoubleToUInt64Bits(sin) == BitConverter.DoubleToUInt64Bits(normals[(2 * i) + 1]),
                $"words {all[4 * i]:X8} {all[(4 * i) + 1]:X8} {all[(4 * i) + 2]:X8} {all[(4 * i) + 3]:X8}: device ({normals[2 * i]:R}, {normals[(2 * i) + 1]:R}), host ({cos:R}, {sin:R})");
        }

        // The edge words reach the far tail: u1 = 2^-53 gives a radius of √(106 ln 2).
        Assert.Contains(normals, v => Math.Abs(v) > 8.5);
    }

    [Fact]
    public void The_portable_logarithm_equals_the_hosts_on_subnormal_tiny_and_large_inputs()
    {
        var values = new List<double> { double.Epsilon, double.Epsilon * 3, 2.2250738585072009e-308, 2.2250738585072014e-308, 1e-300, Math.Pow(2, -53), 0.5, 0.7071067811865475, 0.7071067811865476, 1, 1.4142135623730951, 2, 1e300, double.MaxValue };
        ulong state = 9;
        for (int i = 0; i < 500; i++)
        {
            ulong bits = Seeded.Next(ref state) & 0x7FEF_FFFF_FFFF_FFFFUL;
            values.Add(BitConverter.UInt64BitsToDouble(bits == 0 ? 1 : bits));
        }

        double[] input = [.. values];
        using MemoryBuffer1D<double, Stride1D.Dense> x = Accelerator.Allocate1D(input);
        using MemoryBuffer1D<double, Stride1D.Dense> y = Accelerator.Allocate1D<double>(input.Length);
        Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>>(
            fixture.Backend.IsCuda ? DevicePortableMath.LogKernel<PtxDeviceArithmetic> : DevicePortableMath.LogKernel<CpuDeviceArithmetic>)(input.Length, x.View, y.View);
        Accelerator.Synchronize();
        double[] logs = y.GetAsArray1D();
        for (int i = 0; i < input.Length; i++)
        {
            Assert.True(
                BitConverter.DoubleToUInt64Bits(PortableMath.Log(input[i])) == BitConverter.DoubleToUInt64Bits(logs[i]),
                $"ln({input[i]:R}): device {logs[i]:R}, host {PortableMath.Log(input[i]):R}");
        }
    }

    [Theory]
    [InlineData(0UL, 0UL, 0L, 1000)]
    [InlineData(7UL, 123456789UL, 1L, 999)]
    [InlineData(0xFFFF_FFFF_FFFF_FFFFUL, 0x9E37_79B9_7F4A_7C15UL, 4_000_000_001L, 513)]
    public void Normal_streams_equal_the_hosts_fill_at_any_offset(ulong key, ulong stream, long offset, int count)
    {
        var expected = new float[count];
        new CounterRandom(key, stream).FillNormal(expected, 1f, offset);
        using MemoryBuffer1D<float, Stride1D.Dense> buffer = Accelerator.Allocate1D<float>(count);
        Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ulong, ulong, long>(
            fixture.Backend.IsCuda ? DeviceRandom.FillNormalKernel<PtxDeviceArithmetic> : DeviceRandom.FillNormalKernel<CpuDeviceArithmetic>)(count, buffer.View, key, stream, offset);
        Accelerator.Synchronize();
        Reference.SameBits(expected, buffer.GetAsArray1D(), $"normals of ({key:X}, {stream:X}) from {offset}");
    }

    [Fact]
    public void Stream_numbers_equal_the_hosts()
    {
        ulong[] a = [0, 0xE5_1A7E, 0xE5_5E1E, ulong.MaxValue];
        ulong[] b = [0, 1, 6999, ulong.MaxValue];
        var keys = new List<ulong>();
        var streams = new List<ulong>();
        var blocks = new List<ulong>();
        foreach (ulong x in a)
        {
            foreach (ulong y in b)
            {
                keys.Add(0x5EED_5EED_5EED_5EEDUL ^ x);
                streams.Add(y);
                blocks.Add(y ^ 3);
            }
        }

        uint[] words = RunBlocks([.. keys], [.. streams], [.. blocks]);
        int i = 0;
        foreach (ulong x in a)
        {
            foreach (ulong y in b)
            {
                Assert.Equal(CounterRandom.StreamOf(x, y, y ^ 3), ((ulong)words[(4 * i) + 1] << 32) | words[4 * i]);
                i++;
            }
        }
    }

    private uint[] RunBlocks(ulong[] keys, ulong[] streams, ulong[] blocks)
    {
        using MemoryBuffer1D<ulong, Stride1D.Dense> k = Accelerator.Allocate1D(keys);
        using MemoryBuffer1D<ulong, Stride1D.Dense> s = Accelerator.Allocate1D(streams);
        using MemoryBuffer1D<ulong, Stride1D.Dense> b = Accelerator.Allocate1D(blocks);
        using MemoryBuffer1D<uint, Stride1D.Dense> words = Accelerator.Allocate1D<uint>(4L * keys.Length);
        Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ulong>, ArrayView<ulong>, ArrayView<ulong>, ArrayView<uint>>(DeviceRandom.BlocksKernel)(
            keys.Length, k.View, s.View, b.View, words.View);
        Accelerator.Synchronize();
        return words.GetAsArray1D();
    }

    private double[] RunNormals(uint[] words)
    {
        using MemoryBuffer1D<uint, Stride1D.Dense> w = Accelerator.Allocate1D(words);
        using MemoryBuffer1D<double, Stride1D.Dense> normals = Accelerator.Allocate1D<double>(words.Length / 2);
        Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<uint>, ArrayView<double>>(
            fixture.Backend.IsCuda ? DeviceRandom.NormalsKernel<PtxDeviceArithmetic> : DeviceRandom.NormalsKernel<CpuDeviceArithmetic>)(words.Length / 4, w.View, normals.View);
        Accelerator.Synchronize();
        return normals.GetAsArray1D();
    }
}
