using System.Diagnostics;
using CpuLinear.Data;

namespace CpuLinear.Tests.Data;

/// <summary>
/// Truncated and bit-flipped IDX files, raw and gzip, from a fixed seed: every one must either load or fail
/// with <see cref="IdxFormatException"/>, quickly and without large allocations.
/// </summary>
public sealed class IdxFuzzTests : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Corrupted_files_load_or_fail_cleanly()
    {
        var random = new Random(20250917); // seeded: the same corruptions every run
        byte[] images = IdxTestFiles.Images(40, 7, 5);
        byte[] labels = IdxTestFiles.Labels(40);
        byte[][] originals = [images, labels, IdxTestFiles.Gzip(images), IdxTestFiles.Gzip(labels)];
        string goodImages = _files.Write("good-images", images);
        string goodLabels = _files.Write("good-labels", labels);
        int loaded = 0, rejected = 0;
        long worstAllocation = 0;
        var clock = Stopwatch.StartNew();

        for (int iteration = 0; iteration < 4000; iteration++)
        {
            int which = iteration % 4;
            byte[] corrupt = (byte[])originals[which].Clone();
            if (random.Next(3) == 0)
            {
                Array.Resize(ref corrupt, random.Next(corrupt.Length));
            }
            else
            {
                int flips = 1 + random.Next(4);
                for (int f = 0; f < flips; f++)
                {
                    // Half the flips hit the 16-byte header region, where sizes live.
                    int at = random.Next(2) == 0 ? random.Next(Math.Min(16, corrupt.Length)) : random.Next(corrupt.Length);
                    corrupt[at] ^= (byte)(1 << random.Next(8));
                }
            }

            string path = _files.Write("fuzz", corrupt);
            bool isImages = which % 2 == 0;
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                using LabeledImages data = isImages ? IdxReader.Load(path, goodLabels) : IdxReader.Load(goodImages, path);
                Assert.Equal(data.Count * data.Features, data.Pixels.Length);
                loaded++;
            }
            catch (IdxFormatException ex)
            {
                Assert.Contains(ex.FilePath, ex.Message);
                Assert.Contains("expected", ex.Message);
                rejected++;
            }

            worstAllocation = Math.Max(worstAllocation, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(4000, loaded + rejected);
        Assert.True(rejected > 2000, $"only {rejected} rejected");
        Assert.True(loaded > 100, $"only {loaded} loaded: pixel flips should still load");
        // A corrupt gzip header may legitimately claim up to 1032 x its compressed size (deflate's maximum
        // expansion) before decompression proves it wrong; that, as floats, plus 1 MB of slack for JIT and
        // buffers, is the bound. A trusted raw header could have claimed up to 2^28 values (1 GiB).
        long bound = originals.Max(o => (long)o.Length) * 1032 * sizeof(float) + (1 << 20);
        Assert.True(worstAllocation < bound, $"one load allocated {worstAllocation} bytes, bound {bound}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
    }
}
